-- commands:run's fast path (issue 12) against the general reader: the same stream must give the
-- same outcome — result or error, with the output received so far — whether the fast path reads
-- it to the end, hands over in the middle, or is not used at all (a callback turns it off).
-- The fast path asks for folded records (Stream:fold), which the fake makes as the core does.
local F = require("spec.support.fake_transport")
local u = require("spec.support.unit")
local e2e = require("spec.support.e2e")
local e2b = require("e2b")
local errors = e2b.errors
local b64 = require("e2b.envd").b64encode

-- what the core delivers: records for the usual messages ...
local START = { kind = "start", pid = 412 }
local function OUT(s) return { kind = "stdout", bytes = s } end
local function ERR(s) return { kind = "stderr", bytes = s } end
local function END(code, err) return { kind = "end", exit_code = code, exited = true, status = "exit status " .. code, error = err } end
-- ... and decoded JSON for anything the core did not recognise
local JSTART = { event = { start = { pid = 412 } } }
local function JOUT(s) return { event = { data = { stdout = b64(s) } } } end
local function JEND(code, err)
  return { event = { ["end"] = { exitCode = code ~= 0 and code or nil, exited = true, status = "exit status " .. code, error = err } } }
end
local KEEPALIVE = { event = { keepalive = {} } }
local function raise(e) return { raise = e } end
local DROP = errors.SandboxError:new("POST …/Start: connection dropped", { kind = "dropped" })

-- How many times the fast path handed over (built the general reader) on sbx: a function.
local function count_handovers(sbx)
  local envd, n = sbx.commands._envd, 0
  local wrap = envd.wrap_stream
  envd.wrap_stream = function(...) n = n + 1 return wrap(...) end
  return function() return n end
end

local function outcome(ok, r)
  if ok then return { "ok", r.stdout, r.stderr, r.exit_code, r.error, r.truncated } end
  if not errors.is(r) then return { "raw", tostring(r) } end
  return { "err", r.name, r.message, r.code, r.kind, r.stdout, r.stderr, r.exit_code, r.error, r.truncated }
end

local CASES = {
  { "records only", { START, OUT("hi\n"), END(0) }, true },
  { "stderr and a failing exit", { START, OUT("a"), ERR("b"), OUT("c"), END(3, "exit status 3") }, true },
  { "keepalives between", { START, KEEPALIVE, OUT("x"), KEEPALIVE, END(0) }, true },
  { "no output at all", { START, END(0) }, true },
  { "JSON start, data and end (the general path from the first message)", { JSTART, JOUT("j"), JEND(0) } },
  { "a JSON data message in the middle", { START, OUT("a"), JOUT("b"), OUT("c"), END(0) } },
  { "a JSON end event (decoded on the fast path too)", { START, OUT("a"), JEND(2, "exit status 2") }, true },
  { "dropped before the start", { raise(DROP) } },
  { "dropped after output", { START, OUT("so "), ERR("far"), OUT("good"), raise(DROP) } },
  { "dropped after the end event", { START, OUT("x"), END(0), raise(DROP) } },
  { "an end-of-stream error after the end event", { START, OUT("x"), END(0), { error = { code = "internal", message = "boom" } } } },
  { "an end-of-stream error before any end event", { START, OUT("x"), { error = { code = "internal", message = "boom" } } } },
  { "a non-200 answer", { { http_status = 503, body = '{"message":"busy"}' } } },
  { "the stream ends without an end event", { START, OUT("half") } },
  { "output before the start", { OUT("early"), END(0) } },
  { "invalid base64 in a JSON data message", { START, OUT("ok"), { event = { data = { stdout = "@@@@" } } }, END(0) } },
  { "two end events", { START, OUT("x"), END(0), END(1) } },
  { "output after the end event", { START, END(0), OUT("late") }, true },
  { "a pty message in a plain run", { START, { kind = "pty", bytes = "p" }, END(0) } },
  { "a kill before the deadline", { START, OUT("p"), END(-1, "signal: killed") }, true },
  { "a kill at the deadline", { START, OUT("p"), { busy_ms = 30 }, END(-1, "signal: killed") }, false, { timeout = 0.01 } },
  { "a kill at the deadline in one take with the start and output", { { busy_ms = 30 }, START, OUT("p"),
      END(-1, "signal: killed") }, false, { timeout = 0.01 } },
  { "the client's deadline after output", { START, OUT("p"), { busy_ms = 30 },
      raise(errors.TimeoutError:new("POST …: timed out", { kind = "timeout" })) }, false, { timeout = 0.01 } },
}

describe("commands:run fast path", function()
  for _, case in ipairs(CASES) do
    local name, msgs, all_fast, opts = case[1], case[2], case[3], case[4] or {}
    it("gives what the general reader gives: " .. name, function()
      local sbx, fake = u.sandbox()
      fake:on("POST /process.Process/Start", function() return msgs end)
      fake:on("GET /health", function() return F.json(204) end)
      local handovers = count_handovers(sbx)

      local fast = outcome(pcall(sbx.commands.run, sbx.commands, "x", opts))
      local fast_handovers = handovers()
      assert.is_true(fake.streams[1].closed or fake.streams[1].i > #msgs or fast[1] == "ok" or nil)

      local general_opts = { on_stdout = function() end }
      for k, v in pairs(opts) do general_opts[k] = v end
      local general = outcome(pcall(sbx.commands.run, sbx.commands, "x", general_opts))
      assert.are.same(general, fast)
      if all_fast then
        assert.are.equal(0, fast_handovers)   -- read to the end without the general reader
      elseif all_fast == nil then
        assert.are.equal(1, fast_handovers)   -- handed over once, at the unusual message
      end
    end)
  end

  it("keep_output = false keeps nothing on the fast path either", function()
    local sbx, fake = u.sandbox()
    fake:on("POST /process.Process/Start", function() return { START, OUT("a"), ERR("b"), END(1, "exit status 1") } end)
    local err = u.raised(sbx.commands.run, sbx.commands, "x", { keep_output = false })
    assert.are.same({ "CommandExitError", "", "", 1 }, { err.name, err.stdout, err.stderr, err.exit_code })
  end)
end)

describe("commands:run fast path (end to end)", function()
  before_each(function() e2e.require_emulator() end)

  -- envd's messages (the emulator speaks its protojson) are the usual shapes the core makes
  -- records of: the fast path reads them all and gives what the general reader gives
  it("reads envd's stream without handing over, with the general reader's outcome", function()
    local sbx = e2e.sandbox(finally)
    local handovers = count_handovers(sbx)
    for _, cmd in ipairs({ "echo hi", "printf 'a\\n'; echo b >&2; printf 'c'", "echo no >&2; exit 3", "true" }) do
      local before = handovers()
      local fast = outcome(pcall(sbx.commands.run, sbx.commands, cmd))
      assert.are.equal(before, handovers(), cmd)
      local general = outcome(pcall(sbx.commands.run, sbx.commands, cmd, { on_stdout = function() end }))
      assert.are.same(general, fast)
    end
    local r = sbx.commands:run("printf 'a\\n'; echo b >&2; printf 'c'")
    assert.are.same({ "a\nc", "b\n", 0 }, { r.stdout, r.stderr, r.exit_code })
  end)
end)
