-- e2b.code_interpreter without a network: request building, NDJSON → Execution assembly, argument
-- checks and error mapping, through spec/support/fake_transport.lua. The end-to-end behaviour
-- (real kernels, timing, interrupts) is spec/code_interpreter_spec.lua.
local F = require("spec.support.fake_transport")
local unit = require("spec.support.unit")
local ci = require("e2b.code_interpreter")
local errors = require("e2b.errors")
local config = require("e2b.config")

local raised = unit.raised

-- A code-interpreter sandbox created through a fake transport (the environment kept out).
local function ci_sandbox(extra, created)
  local data = { templateID = "code-interpreter-v1", trafficAccessToken = "tat-secret-1234" }
  for k, v in pairs(created or {}) do data[k] = v end
  return unit.sandbox(extra, data, ci.Sandbox)
end

local function ndjson(lines) return { status = 200, headers = {}, body = table.concat(lines, "\n") .. "\n" } end

local FULL = {
  '{"type": "number_of_executions", "execution_count": 3}',
  '{"type": "stdout", "text": "hi\\n", "timestamp": "2026-12-02T03:46:46.147371+00:00"}',
  '{"type": "keepalive"}',
  '{"type": "stderr", "text": "warn\\n", "timestamp": "2026-12-02T03:46:46.2+00:00"}',
  '{"type": "result", "text": "<Figure size 640x480 with 1 Axes>", "png": "iVBORw0KGgo=", ' ..
    '"chart": {"type": "line", "title": "t", "elements": []}, "extra": {"application/x-custom": "c"}, ' ..
    '"is_main_result": false}',
  '',
  '{"type": "some_future_event", "x": 1}',
  '{"type": "result", "text": "2", "html": "<b>2</b>", "json": {"a": [1, 2]}, "extra": {}, "is_main_result": true}',
  '{"type": "error", "name": "ZeroDivisionError", "value": "division by zero", "traceback": "Traceback…"}',
  '{"type": "end_of_execution"}',
}

describe("code_interpreter (unit)", function()
  describe("Sandbox", function()
    it("is created from code-interpreter-v1 unless told otherwise, and is a full e2b.Sandbox", function()
      local sbx, fake = ci_sandbox()
      local body = F.body(fake.create_request)
      assert.equal("code-interpreter-v1", body.templateID)
      assert.equal(getmetatable(sbx), ci.Sandbox)
      assert.equal("e2b.code_interpreter.Sandbox(id=isbx1)", tostring(sbx))
      assert.is_table(sbx.commands)
      assert.is_table(sbx.files)
      assert.is_table(sbx.pty)
      fake:on("DELETE /sandboxes/isbx1", function() return { status = 204, headers = {}, body = "" } end)
      assert.is_true(sbx:kill())       -- a base method, called on the derived instance
      local _, fake2 = ci_sandbox({ template = "my-ci" })
      assert.equal("my-ci", F.body(fake2.create_request).templateID)
    end)

    it("connects by id to a derived instance; sbx:connect keeps it", function()
      local fake = F.new()
      fake:on("POST /sandboxes/iabc/connect", function()
        return F.json(200, { sandboxID = "iabc", envdVersion = "0.6.13", envdAccessToken = unit.TOKEN })
      end)
      local getenv = config.getenv
      config.getenv = function() return nil end
      local sbx = ci.Sandbox.connect("iabc", unit.opts(fake))
      config.getenv = getenv
      assert.equal(ci.Sandbox, getmetatable(sbx))
      assert.equal(sbx, sbx:connect())
      assert.equal(ci.Sandbox, getmetatable(sbx))
    end)

    it("refuses options that are no table", function()
      local err = raised(ci.Sandbox.create, "code-interpreter-v1")
      assert.is_true(errors.is(err, errors.InvalidArgumentError), tostring(err))
    end)
  end)

  describe("run_code", function()
    it("POSTs /execute on port 49999 with routing headers, the access token and the body", function()
      local sbx, fake = ci_sandbox()
      fake:on("POST /execute", function() return ndjson({ '{"type": "end_of_execution"}' }) end)
      sbx:run_code("print(1)", { language = "python", envs = { A = "1" } })
      local d = fake.last
      assert.equal("https://49999-isbx1.e2b.app/execute", d.url)
      assert.equal("isbx1", d.headers["E2b-Sandbox-Id"])
      assert.equal("49999", d.headers["E2b-Sandbox-Port"])
      assert.equal(unit.TOKEN, d.headers["X-Access-Token"])
      assert.equal("tat-secret-1234", d.headers["E2B-Traffic-Access-Token"])
      assert.equal("application/json", d.headers["Content-Type"])
      assert.same({ code = "print(1)", language = "python", env_vars = { A = "1" } }, F.body(d))
      assert.equal(60, d.timeout)            -- the request timeout bounds the wait for the answer
      assert.equal(300, d.stream_timeout)    -- the execution's default timeout (Python SDK)
      sbx:run_code("1", { timeout = 0, request_timeout = 5, context = { id = "ctx-1" } })
      assert.equal(0, fake.last.stream_timeout)
      assert.equal(5, fake.last.timeout)
      assert.same({ code = "1", context_id = "ctx-1" }, F.body(fake.last))
      sbx:run_code("1", { context = "ctx-2", timeout = 2.5 })
      assert.equal("ctx-2", F.body(fake.last).context_id)
      assert.equal(2.5, fake.last.stream_timeout)
    end)

    it("uses sandbox_url verbatim (routing by headers), and http://localhost:49999 in debug", function()
      local sbx, fake = ci_sandbox({ sandbox_url = "http://127.0.0.1:9/" })
      fake:on("POST /execute", function() return ndjson({ '{"type": "end_of_execution"}' }) end)
      sbx:run_code("1")
      assert.equal("http://127.0.0.1:9/execute", fake.last.url)
      local getenv = config.getenv
      config.getenv = function() return nil end
      local ok, dbg = pcall(ci.Sandbox.create, { debug = true, _transport = fake })
      config.getenv = getenv
      assert(ok, tostring(dbg))
      dbg:run_code("1")
      assert.equal("http://localhost:49999/execute", fake.last.url)
    end)

    it("assembles the Execution from the events and calls back as each one passes", function()
      local sbx, fake = ci_sandbox()
      local seen, at = {}, {}
      fake:on("POST /execute", function()
        local res = ndjson(FULL)
        res.on_line = function(i) at[#at + 1] = { line = i, callbacks = #seen } end
        return res
      end)
      local ex = sbx:run_code("x", {
        on_stdout = function(m) seen[#seen + 1] = { "stdout", m } end,
        on_stderr = function(m) seen[#seen + 1] = { "stderr", m } end,
        on_result = function(r) seen[#seen + 1] = { "result", r } end,
        on_error = function(e) seen[#seen + 1] = { "error", e } end,
      })
      assert.equal(3, ex.execution_count)
      assert.equal("3", tostring(ex.execution_count))  -- an integer on 5.3+, not 3.0
      assert.same({ "hi\n" }, ex.logs.stdout)
      assert.same({ "warn\n" }, ex.logs.stderr)
      assert.equal(2, #ex.results)
      local fig, main = ex.results[1], ex.results[2]
      assert.is_false(fig.is_main_result)
      assert.equal("iVBORw0KGgo=", fig.png)
      assert.equal("line", fig.chart.type)
      assert.same({ ["application/x-custom"] = "c" }, fig.extra)
      assert.same({ "text", "png", "chart", "application/x-custom" }, fig:formats())
      assert.is_true(main.is_main_result)
      assert.same({ a = { 1, 2 } }, main.json)
      assert.same({}, main.extra)
      assert.same({ "text", "html", "json" }, main:formats())
      assert.equal("Result(2)", tostring(main))
      assert.equal("2", ex.text)
      assert.equal("ZeroDivisionError", ex.error.name)
      assert.equal("division by zero", ex.error.value)
      assert.equal("Traceback…", ex.error.traceback)
      assert.equal("ZeroDivisionError: division by zero", tostring(ex.error))
      -- callbacks in event order, with { line, timestamp, error } for output
      assert.same({ "stdout", "stderr", "result", "result", "error" },
        { seen[1][1], seen[2][1], seen[3][1], seen[4][1], seen[5][1] })
      assert.same({ line = "hi\n", timestamp = "2026-12-02T03:46:46.147371+00:00", error = false }, seen[1][2])
      assert.same({ line = "warn\n", timestamp = "2026-12-02T03:46:46.2+00:00", error = true }, seen[2][2])
      assert.equal(fig, seen[3][2])
      assert.equal(ex.error, seen[5][2])
      -- each callback ran before the next line was read: by line 3 (keepalive) one callback had run
      assert.same({ line = 3, callbacks = 1 }, at[3])
      assert.same({ line = 5, callbacks = 2 }, at[5])
    end)

    it("has no text without a main result; the last error wins", function()
      local sbx, fake = ci_sandbox()
      fake:on("POST /execute", function()
        return ndjson({ '{"type": "result", "text": "d", "extra": {}, "is_main_result": false}',
                        '{"type": "error", "name": "A", "value": "1", "traceback": ""}',
                        '{"type": "error", "name": "B", "value": "2", "traceback": ""}',
                        '{"type": "end_of_execution"}' })
      end)
      local ex = sbx:run_code("x")
      assert.is_nil(ex.text)
      assert.is_nil(ex.execution_count)
      assert.equal("B", ex.error.name)
    end)

    it("checks its arguments before any request", function()
      local sbx, fake = ci_sandbox()
      fake.requests = {}
      local cases = {
        { "1", { language = "python", context = { id = "c" } }, "not both at the same time" },
        { 42, nil, "argument 'code' must be string" },
        { "1", { langauge = "python" }, "did you mean 'language'" },
        { "1", { envs = { A = 1 } }, "'envs' must map strings to strings" },
        { "1", { timeout = -1 }, "'timeout' must be a number of seconds" },
        { "1", { request_timeout = 0 / 0 }, "'request_timeout' must be a number of seconds" },
        { "1", { context = {} }, "'context' must be a Context" },
        { "1", { context = "" }, "'context' must not be empty" },
        { "1", { on_stdout = "print" }, "'on_stdout' must be callable" },
        { "1", "python", "options must be a table" },
      }
      for _, c in ipairs(cases) do
        local err = raised(sbx.run_code, sbx, c[1], c[2])
        assert.is_true(errors.is(err, errors.InvalidArgumentError), tostring(err))
        assert.matches(c[3], err.message, 1, true)
      end
      local err = raised(ci.Sandbox.run_code, { sandbox_id = "x" }, "1")
      assert.matches("call it as a method", err.message, 1, true)
      assert.equal(0, #fake.requests)
    end)

    it("maps error answers: 404 NotFoundError, 502 TimeoutError, others SandboxError with status and body",
      function()
        local sbx, fake = ci_sandbox()
        local answer
        fake:on("POST /execute", function() return answer end)
        answer = { status = 404, headers = {}, body = "Context nope not found" }
        local err = raised(sbx.run_code, sbx, "1", { context = "nope" })
        assert.is_true(errors.is(err, errors.NotFoundError), tostring(err))
        assert.equal("Context nope not found", err.message)
        assert.equal(404, err.status)
        answer = F.json(502, { sandboxId = "isbx1", message = "The sandbox was not found", code = 502 })
        err = raised(sbx.run_code, sbx, "1")
        assert.is_true(errors.is(err, errors.TimeoutError), tostring(err))
        assert.matches("^The sandbox was not found: This error is likely due to sandbox timeout", err.message)
        answer = { status = 500, headers = {}, body = "Failed to create context: No such kernel named java" }
        err = raised(sbx.run_code, sbx, "1", { language = "java" })
        assert.equal("SandboxError", err.name)
        assert.equal("500: Failed to create context: No such kernel named java", err.message)
        assert.equal(500, err.status)
        answer = { status = 422, headers = {}, body = "" }
        err = raised(sbx.run_code, sbx, "1")
        assert.equal("422: HTTP 422", err.message)
      end)

    it("tells an execution timeout from a request timeout", function()
      local sbx, fake = ci_sandbox()
      local answer
      fake:on("POST /execute", function() return answer end)
      answer = ndjson({ '{"type": "number_of_executions", "execution_count": 1}' })
      answer.raise = errors.TimeoutError:new("POST x: timed out", { kind = "timeout" })
      local err = raised(sbx.run_code, sbx, "import time; time.sleep(10)", { timeout = 1 })
      assert.is_true(errors.is(err, errors.TimeoutError), tostring(err))
      assert.matches("^Execution timed out", err.message)
      assert.is_true(fake.line_streams[#fake.line_streams].closed)
      answer = { raise_open = errors.TimeoutError:new("POST x: timed out (no response within 60 s)", { kind = "timeout" }) }
      err = raised(sbx.run_code, sbx, "1")
      assert.matches("^Request timed out", err.message)
    end)

    it("a dropped answer from a sandbox that is gone is the 'sandbox was killed' TimeoutError", function()
      local sbx, fake = ci_sandbox()
      local health = 502
      fake:on("GET /health", function() return { status = health, headers = {}, body = "" } end)
      fake:on("POST /execute", function()
        local res = ndjson({ '{"type": "number_of_executions", "execution_count": 1}' })
        res.raise = errors.SandboxError:new("POST x: connection dropped", { kind = "dropped" })
        return res
      end)
      local err = raised(sbx.run_code, sbx, "1")
      assert.is_true(errors.is(err, errors.TimeoutError), tostring(err))
      assert.matches("^The sandbox was killed while the request was in progress", err.message)
      health = 204                     -- still running: the transport's error stays
      err = raised(sbx.run_code, sbx, "1")
      assert.equal("SandboxError", err.name)
      assert.equal("dropped", err.kind)
    end)

    it("an answer that ends before end_of_execution is an error, never a partial Execution", function()
      local sbx, fake = ci_sandbox()
      local health = 204
      fake:on("GET /health", function() return { status = health, headers = {}, body = "" } end)
      fake:on("POST /execute", function() return ndjson({ '{"type": "stdout", "text": "a", "timestamp": "t"}' }) end)
      local err = raised(sbx.run_code, sbx, "1")
      assert.equal("SandboxError", err.name)
      assert.matches("ended before its end_of_execution", err.message)
      health = 502
      err = raised(sbx.run_code, sbx, "1")
      assert.is_true(errors.is(err, errors.TimeoutError), tostring(err))
    end)

    it("a malformed line or a failing callback closes the request (which interrupts the cell)", function()
      local sbx, fake = ci_sandbox()
      local body
      fake:on("POST /execute", function() return ndjson(body) end)
      body = { '{"type": "stdout", "text": "a", "timestamp": "t"}', "not json", '{"type": "end_of_execution"}' }
      local err = raised(sbx.run_code, sbx, "1")
      assert.equal("malformed", err.kind)
      assert.is_true(fake.line_streams[#fake.line_streams].closed)
      body = { '{"type": "stdout", "text": "a", "timestamp": "t"}', '{"type": "end_of_execution"}' }
      err = raised(sbx.run_code, sbx, "1", { on_stdout = function() error("stop", 0) end })
      assert.equal("stop", err)
      assert.is_true(fake.line_streams[#fake.line_streams].closed)
    end)

    it("never shows the access tokens in its errors", function()
      local sbx, fake = ci_sandbox()
      fake:on("POST /execute", function()
        return { status = 500, headers = {}, body = "echo " .. unit.TOKEN .. " tat-secret-1234" }
      end)
      local err = raised(sbx.run_code, sbx, "1")
      assert.is_nil(tostring(err):find(unit.TOKEN, 1, true))
      assert.is_nil(tostring(err):find("tat-secret-1234", 1, true))
    end)
  end)

  describe("contexts", function()
    it("creates one (no access token sent) and returns a Context", function()
      local sbx, fake = ci_sandbox()
      fake:on("POST /contexts", function()
        return F.json(200, { id = "k-1", language = "typescript", cwd = "/tmp" })
      end)
      local ctx = sbx:create_code_context({ cwd = "/tmp", language = "ts", request_timeout = 7 })
      assert.equal(ci.Context, getmetatable(ctx))
      assert.same({ id = "k-1", language = "typescript", cwd = "/tmp" }, { id = ctx.id, language = ctx.language, cwd = ctx.cwd })
      assert.equal("https://49999-isbx1.e2b.app/contexts", fake.last.url)
      assert.same({ cwd = "/tmp", language = "ts" }, F.body(fake.last))
      assert.is_nil(fake.last.headers["X-Access-Token"])
      assert.equal("49999", fake.last.headers["E2b-Sandbox-Port"])
      assert.equal(7, fake.last.timeout)
      sbx:create_code_context()
      assert.equal("{}", fake.last.body)
      assert.equal(60, fake.last.timeout)
    end)

    it("lists, restarts and removes by Context or id", function()
      local sbx, fake = ci_sandbox()
      fake:on("GET /contexts", function()
        return F.json(200, { { id = "a", language = "python", cwd = "/home/user" },
                             { id = "b", language = "javascript", cwd = "/home/user" } })
      end)
      fake:on("POST /contexts/a/restart", function() return F.json(200, F.null) end)
      fake:on("DELETE /contexts/a%2Fb", function() return F.json(200, F.null) end)
      local list = sbx:list_code_contexts()
      assert.equal(2, #list)
      assert.equal("javascript", list[2].language)
      sbx:restart_code_context(list[1])
      assert.equal("https://49999-isbx1.e2b.app/contexts/a/restart", fake.last.url)
      sbx:restart_code_context("a", { request_timeout = 3 })
      assert.equal(3, fake.last.timeout)
      sbx:remove_code_context("a/b")   -- the id is escaped into the path
      assert.equal("DELETE", fake.last.method)
    end)

    it("maps 404 to NotFoundError and checks arguments before any request", function()
      local sbx, fake = ci_sandbox()
      fake:on("POST /contexts/zzz/restart", function() return { status = 404, headers = {}, body = "Context zzz not found" } end)
      local err = raised(sbx.restart_code_context, sbx, "zzz")
      assert.is_true(errors.is(err, errors.NotFoundError), tostring(err))
      assert.equal("Context zzz not found", err.message)
      fake.requests = {}
      for _, bad in ipairs({ function() sbx:restart_code_context(nil) end,
                             function() sbx:remove_code_context(42) end,
                             function() sbx:create_code_context({ cwd = 1 }) end,
                             function() sbx:create_code_context({ envs = {} }) end,
                             function() sbx:list_code_contexts({ request_timeout = -1 }) end }) do
        err = raised(bad)
        assert.is_true(errors.is(err, errors.InvalidArgumentError), tostring(err))
      end
      assert.equal(0, #fake.requests)
    end)
  end)
end)

describe("code_interpreter through e2b and e2b.safe (unit)", function()
  it("is e2b.code_interpreter, and e2b.safe returns nil, err for its failures", function()
    assert.equal(ci, require("e2b").code_interpreter)
    local safe = require("e2b.safe")
    local fake = F.new()
    fake:on("POST /sandboxes", function()
      return F.json(201, { sandboxID = "isafe", envdVersion = "0.6.13", envdAccessToken = unit.TOKEN })
    end)
    fake:on("POST /execute", function() return { status = 404, headers = {}, body = "Context c not found" } end)
    local getenv = config.getenv
    config.getenv = function() return nil end
    local sbx, err0 = safe.code_interpreter.Sandbox.create(unit.opts(fake))
    config.getenv = getenv
    assert.truthy(sbx, tostring(err0))
    local ex, err = sbx:run_code("1", { context = "c" })
    assert.is_nil(ex)
    assert.is_true(errors.is(err, errors.NotFoundError), tostring(err))
    local ex2, err2 = sbx:run_code("1", { language = "python", context = "c" })
    assert.is_nil(ex2)
    assert.equal("InvalidArgumentError", err2.name)
  end)
end)
