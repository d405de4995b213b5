-- e2b.code_interpreter end to end against the emulator's code-interpreter-v1 template (real IPython
-- kernels). Sandboxes are shared within a describe: a kernel costs a second or two to start.
local e2e = require("spec.support.e2e")
local ci = require("e2b.code_interpreter")
local errors = require("e2b.errors")
local async = require("e2b.async")
local core = require("e2b.core")
local envd = require("e2b.envd")

local function raised(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error, the call returned")
  return err
end

local function elapsed_since(t0) return (core.now_ms() - t0) / 1000 end

describe("code interpreter #e2e", function()
  local sbx

  setup(function()
    e2e.require_emulator()
    sbx = ci.Sandbox.create({ timeout = 300 })
  end)
  teardown(function()
    if sbx then pcall(sbx.kill, sbx) end
  end)

  it("is a full sandbox from code-interpreter-v1: commands and files work beside run_code", function()
    assert.equal(ci.Sandbox, getmetatable(sbx))
    assert.equal("hi\n", sbx.commands:run("echo hi").stdout)
    sbx.files:write("/home/user/n.txt", "41")
    assert.equal("42", sbx:run_code("int(open('/home/user/n.txt').read()) + 1").text)
    local info = sbx:get_info()
    assert.equal("code-interpreter-v1", info.name or info.template_id)
  end)

  it("keeps state across cells of the default context and counts executions", function()
    local a = sbx:run_code("x = 40")
    assert.is_nil(a.text)
    assert.same({}, a.results)
    local b = sbx:run_code("x + 2", { language = "python" })   -- the same context as no language
    assert.equal("42", b.text)
    assert.is_true(b.execution_count > a.execution_count)
    assert.is_true(b.results[1].is_main_result)
    assert.same({ "text" }, b.results[1]:formats())
    assert.equal("abc", sbx:run_code("'abc'").text)            -- a str repr's quotes are stripped
  end)

  it("streams stdout and stderr to the callbacks while the cell runs", function()
    local t0 = core.now_ms()
    local got = {}
    local ex = sbx:run_code(
      "import sys, time\nprint('first', flush=True)\ntime.sleep(1)\nprint('err', file=sys.stderr, flush=True)\n" ..
      "print('last')", {
        on_stdout = function(m) got[#got + 1] = { "out", m.line, elapsed_since(t0), m } end,
        on_stderr = function(m) got[#got + 1] = { "err", m.line, elapsed_since(t0), m } end,
      })
    local total = elapsed_since(t0)
    assert.is_true(#got >= 3, "callbacks: " .. #got)
    assert.equal("out", got[1][1])
    assert.matches("^first", got[1][2])
    -- the first print reached Lua a second before the cell ended: parsed as it arrived
    assert.is_true(total - got[1][3] >= 0.7, ("first line at %.2f s, cell done at %.2f s"):format(got[1][3], total))
    assert.is_false(got[1][4].error)
    assert.is_string(got[1][4].timestamp)
    local err_msg
    for _, g in ipairs(got) do if g[1] == "err" then err_msg = g end end
    assert.truthy(err_msg, "no stderr callback")
    assert.is_true(err_msg[4].error)
    assert.equal("first\nlast\n", table.concat(ex.logs.stdout))
    assert.equal("err\n", table.concat(ex.logs.stderr))
  end)

  it("reports an error in the code as a value, with name, value and traceback", function()
    local seen
    local ex = sbx:run_code("def f():\n    return 1 / 0\nf()", { on_error = function(e) seen = e end })
    assert.truthy(ex.error)
    assert.equal("ZeroDivisionError", ex.error.name)
    assert.equal("division by zero", ex.error.value)
    assert.matches("ZeroDivisionError", ex.error.traceback)
    assert.equal(ex.error, seen)
    assert.is_nil(ex.text)
    -- and the context goes on
    assert.equal("3", sbx:run_code("1 + 2").text)
  end)

  it("returns rich results: a matplotlib figure as PNG, a DataFrame as html/data, display calls", function()
    local results = {}
    local ex = sbx:run_code([[
import matplotlib.pyplot as plt
plt.plot([1, 2, 3], [4, 1, 9])
plt.title("t")
plt.show()
from IPython.display import display, HTML
display(HTML("<b>hi</b>"))
import pandas as pd
pd.DataFrame({"a": [1, 2], "b": [3, 4]})
]], { on_result = function(r) results[#results + 1] = r end })
    assert.is_nil(ex.error, ex.error and ex.error.traceback)
    assert.equal(3, #ex.results)
    assert.equal(3, #results)
    local fig, html, df = ex.results[1], ex.results[2], ex.results[3]
    assert.is_false(fig.is_main_result)
    assert.is_string(fig.png)
    assert.equal("\137PNG", envd.b64decode(fig.png):sub(1, 4))
    assert.matches("Figure", fig.text)
    assert.equal("line", fig.chart.type)           -- e2b/chart: the figure's data as a table
    assert.equal("t", fig.chart.title)
    assert.same({ "text", "png", "chart" }, fig:formats())
    assert.equal("<b>hi</b>", html.html)
    assert.is_false(html.is_main_result)
    assert.is_true(df.is_main_result)
    assert.matches("<table", df.html)
    assert.same({ 1, 2 }, df.data.a)
    local f = df:formats()
    assert.equal("text", f[1])
    assert.equal("html", f[2])
    assert.equal(df.text, ex.text)
  end)

  it("sets per-call envs for that cell only", function()
    local code = "import os; os.environ.get('CI_LUA_VAR', 'unset')"
    assert.equal("yes", sbx:run_code(code, { envs = { CI_LUA_VAR = "yes" } }).text)
    assert.equal("unset", sbx:run_code(code).text)
  end)

  it("runs bash and javascript in their default contexts", function()
    local b = sbx:run_code("echo from-bash", { language = "bash" })
    assert.equal("from-bash\n", table.concat(b.logs.stdout))
    local bad = sbx:run_code("(exit 3)", { language = "bash" })
    assert.truthy(bad.error)
    assert.equal("3", bad.error.value)
    assert.equal("3", sbx:run_code("1 + 2", { language = "javascript" }).text)
  end)

  it("creates, lists, restarts and removes code contexts", function()
    local ctx = sbx:create_code_context({ cwd = "/tmp", language = "python" })
    assert.equal(ci.Context, getmetatable(ctx))
    assert.equal("python", ctx.language)
    assert.equal("/tmp", ctx.cwd)
    assert.equal("/tmp", sbx:run_code("import os; os.getcwd()", { context = ctx }).text)
    -- isolated from the default context
    sbx:run_code("only_here = 7", { context = ctx })
    assert.equal("7", sbx:run_code("only_here", { context = ctx.id }).text)
    assert.equal("NameError", sbx:run_code("only_here").error.name)
    local ids = {}
    for _, c in ipairs(sbx:list_code_contexts()) do ids[c.id] = c end
    assert.truthy(ids[ctx.id])
    local langs = {}
    for _, c in pairs(ids) do langs[c.language] = true end
    assert.is_true(langs.python and langs.javascript)
    -- restart: same id, state gone
    sbx:restart_code_context(ctx)
    assert.equal("NameError", sbx:run_code("only_here", { context = ctx }).error.name)
    -- remove: gone for good
    sbx:remove_code_context(ctx.id)
    local err = raised(sbx.run_code, sbx, "1", { context = ctx })
    assert.is_true(errors.is(err, errors.NotFoundError), tostring(err))
    assert.matches(ctx.id, err.message, 1, true)
    err = raised(sbx.remove_code_context, sbx, ctx)
    assert.is_true(errors.is(err, errors.NotFoundError), tostring(err))
    err = raised(sbx.restart_code_context, sbx, "no-such-context")
    assert.is_true(errors.is(err, errors.NotFoundError), tostring(err))
  end)

  it("refuses language with context before any request", function()
    local err = raised(sbx.run_code, sbx, "1", { language = "python", context = "x" })
    assert.is_true(errors.is(err, errors.InvalidArgumentError), tostring(err))
  end)

  it("answers a language without a kernel with the server's 500", function()
    local err = raised(sbx.run_code, sbx, "1", { language = "cobol" })
    assert.equal("SandboxError", err.name)
    assert.equal(500, err.status)
  end)

  it("raises TimeoutError past `timeout`, interrupting the cell; the context stays usable", function()
    local ctx = sbx:create_code_context()
    sbx:run_code("state = 'kept'", { context = ctx })
    local t0 = core.now_ms()
    local err = raised(sbx.run_code, sbx, "import time\ntime.sleep(30)", { context = ctx, timeout = 1 })
    assert.is_true(errors.is(err, errors.TimeoutError), tostring(err))
    assert.matches("^Execution timed out", err.message)
    assert.is_true(elapsed_since(t0) < 3)
    t0 = core.now_ms()
    local ex = sbx:run_code("state", { context = ctx, timeout = 10 })
    assert.equal("kept", ex.text, ex.error and (tostring(ex.error) .. "\n" .. ex.error.traceback))
    assert.is_true(elapsed_since(t0) < 5, "the interrupted cell held the context")
    sbx:remove_code_context(ctx)
  end)

  it("cancelling a task in run_code interrupts that cell; the context stays usable", function()
    local ctx = sbx:create_code_context()
    local started = false
    async.run(function()
      local t = async.spawn(function()
        return sbx:run_code("import time\nprint('go', flush=True)\ntime.sleep(30)", {
          context = ctx, on_stdout = function() started = true end })
      end)
      local t0 = core.now_ms()
      while not started and core.now_ms() - t0 < 10000 do async.sleep(0.05) end
      assert.is_true(started)
      assert.is_true(t:cancel())
      local err = raised(t.wait, t)
      assert.equal("canceled", err.kind)
      assert.equal("canceled", t:state())
    end)
    local t0 = core.now_ms()
    assert.equal("2", sbx:run_code("1 + 1", { context = ctx, timeout = 10 }).text)
    assert.is_true(elapsed_since(t0) < 5, "the cancelled cell held the context")
    sbx:remove_code_context(ctx)
  end)

  it("runs cells of different contexts at once in async tasks (four 1 s cells in about 1 s)", function()
    local ctxs = async.run(function()
      local tasks = {}
      for i = 1, 4 do tasks[i] = async.spawn(function() return sbx:create_code_context() end) end
      return async.all(tasks)
    end)
    local t0 = core.now_ms()
    local out = async.run(function()
      local tasks = {}
      for i = 1, 4 do
        tasks[i] = async.spawn(function()
          local lines = {}
          local ex = sbx:run_code("import time\ntime.sleep(1)\nprint(" .. i .. ")\n" .. i .. " * 10", {
            context = ctxs[i],
            on_stdout = function(m) async.sleep(0.01) lines[#lines + 1] = m.line end,   -- callbacks may yield
          })
          return { ex.text, table.concat(lines) }
        end)
      end
      return async.all(tasks)
    end)
    local took = elapsed_since(t0)
    for i = 1, 4 do
      assert.same({ tostring(i * 10), i .. "\n" }, out[i])
    end
    assert.is_true(took < 2.5, ("four 1 s cells took %.2f s"):format(took))
    for _, c in ipairs(ctxs) do sbx:remove_code_context(c) end
  end)

  it("connect by id gives a code-interpreter sandbox sharing the same kernels", function()
    sbx:run_code("shared = 'yes'")
    local again = ci.Sandbox.connect(sbx.sandbox_id)
    assert.equal(ci.Sandbox, getmetatable(again))
    assert.equal("yes", again:run_code("shared").text)
  end)

  it("pauses and resumes with its kernels' state (sbx:pause, then connect)", function()
    sbx:run_code("before_pause = 'kept'")
    assert.is_true(sbx:pause())
    local err = raised(sbx.run_code, sbx, "1")
    assert.is_true(errors.is(err, errors.TimeoutError), tostring(err))   -- 502 while paused
    assert.is_true(err.paused, tostring(err))                             -- and it says so
    assert.matches("is paused", err.message, 1, true)
    err = raised(sbx.list_code_contexts, sbx)
    assert.is_true(err.paused, tostring(err))
    local resumed = ci.Sandbox.connect(sbx.sandbox_id, { timeout = 300 })
    assert.equal(ci.Sandbox, getmetatable(resumed))
    assert.equal("kept", resumed:run_code("before_pause").text)
    assert.equal("kept", sbx:run_code("before_pause").text)
  end)
end)

describe("code interpreter, a sandbox going away #e2e", function()
  it("a sandbox killed mid-run raises the 'sandbox was killed' TimeoutError; then 502 is TimeoutError", function()
    e2e.require_emulator()
    local sbx = ci.Sandbox.create({ timeout = 120 })
    local ok, err = pcall(async.run, function()
      local t = async.spawn(function()
        return sbx:run_code("import time\nprint('go', flush=True)\ntime.sleep(30)")
      end)
      async.sleep(1.5)
      sbx:kill()
      return t:wait(15)
    end)
    assert.is_false(ok)
    assert.is_true(errors.is(err, errors.TimeoutError), tostring(err))
    assert.matches("sandbox was killed", err.message)
    err = raised(sbx.run_code, sbx, "1")
    assert.is_true(errors.is(err, errors.TimeoutError), tostring(err))
    assert.equal(502, err.status)
  end)
end)

describe("code interpreter, the README snippet #e2e", function()
  it("runs as written", function()
    e2e.require_emulator()
    local f = assert(io.open("README.md", "rb"))
    local text = f:read("*a")
    f:close()
    local snippet = text:match("### Code interpreter.-```lua\n(.-)```")
    assert.truthy(snippet, "no Lua snippet in the README's code interpreter section")
    local printed = {}
    local env = setmetatable({ print = function(...)
      local t = {}
      for i = 1, select("#", ...) do t[i] = tostring((select(i, ...))) end
      printed[#printed + 1] = table.concat(t, "\t")
    end, io = { write = function() end } }, { __index = _G })
    local chunk = assert((loadstring or load)(snippet, "=README", "t", env))
    if setfenv then setfenv(chunk, env) end
    chunk()
    assert.same({ "42\t2", "text", "thinking\n", "ZeroDivisionError\tdivision by zero", "/tmp" }, printed)
  end)
end)
