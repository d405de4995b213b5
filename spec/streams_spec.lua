-- Long-lived process streams against the emulator: idle streams stay up, the stream timeout is
-- not the request timeout, and output received before a failure is kept on the error.
local e2e = require("spec.support.e2e")
local core = require("e2b.core")

local fault, start_size, stdout_size = e2e.fault, e2e.start_size, e2e.stdout_size

describe("process streams (end to end)", function()
  before_each(function() e2e.require_emulator() end)

  it("a command silent for longer than the request timeout still completes", function()
    local sbx = e2e.sandbox(finally)
    local t0 = core.now_ms()
    local r = sbx.commands:run("sleep 2.5; echo done", { request_timeout = 1, timeout = 20 })
    assert.are.equal("done\n", r.stdout)
    assert.is_true(core.now_ms() - t0 >= 2500)
  end)

  it("a command over its timeout gets TimeoutError with the partial output kept", function()
    local sbx = e2e.sandbox(finally)
    local t0 = core.now_ms()
    local ok, err = pcall(sbx.commands.run, sbx.commands, "echo partial; echo oops >&2; sleep 30", { timeout = 1.5 })
    assert.is_false(ok)
    assert.are.equal("TimeoutError", err.name, tostring(err))
    assert.are.equal("partial\n", err.stdout)
    assert.are.equal("oops\n", err.stderr)
    local took = core.now_ms() - t0
    assert.is_true(took >= 1400 and took < 10000, "took " .. took .. " ms")
  end)

  it("a background handle yields stdout, stderr and exit events in order", function()
    local sbx = e2e.sandbox(finally)
    local h = sbx.commands:run("echo a; sleep 0.2; echo b >&2; sleep 0.2; echo c; exit 4", { background = true })
    local seen = {}
    for ev in h:events() do
      seen[#seen + 1] = ev.type == "exit" and ("exit " .. ev.exit_code .. " " .. ev.error) or (ev.type .. " " .. ev.data)
    end
    assert.are.same({ "stdout a\n", "stderr b\n", "stdout c\n", "exit 4 exit status 4" }, seen)
    local ok, err = pcall(h.wait, h)
    assert.is_false(ok)
    assert.are.same({ "CommandExitError", 4, "a\nc\n", "b\n" }, { err.name, err.exit_code, err.stdout, err.stderr })
  end)

  it("disconnect leaves the process running; connect by pid or tag re-attaches", function()
    local sbx = e2e.sandbox(finally)
    local h = sbx.commands:run("sleep 1; echo late; sleep 0.5; echo later", { background = true, tag = "job-1", timeout = 20 })
    h:disconnect()
    local listed
    for _, p in ipairs(sbx.commands:list()) do if p.pid == h.pid then listed = p end end
    assert.are.equal("job-1", listed and listed.tag)
    local by_tag = sbx.commands:connect({ tag = "job-1" })
    assert.are.equal(h.pid, by_tag.pid)
    local got = {}
    local again = sbx.commands:connect(h.pid, { on_stdout = function(s) got[#got + 1] = s end })
    assert.are.equal("late\nlater\n", again:wait().stdout)
    assert.are.equal("late\nlater\n", table.concat(got))
    assert.are.equal("late\nlater\n", by_tag:wait().stdout)
    assert.matches("disconnected", select(2, pcall(h.wait, h)).message)
  end)

  it("stdin: send, close, and the handle's own methods", function()
    local sbx = e2e.sandbox(finally)
    local h = sbx.commands:run("tr a-z A-Z", { background = true, stdin = true })
    h:send_stdin("abc\n")
    h:send_stdin("def\n")
    h:close_stdin()
    assert.are.equal("ABC\nDEF\n", h:wait().stdout)
  end)

  -- A process that prints "first" after 1 s and more after 2 s: time to set a fault and attach.
  local function slow_printer(sbx)
    local h = sbx.commands:run("sleep 1; printf first; sleep 1; printf second-part", { background = true, timeout = 20 })
    h:disconnect()
    return h.pid
  end

  it("a dropped stream raises a dropped SandboxError with the output received so far", function()
    local sbx = e2e.sandbox(finally)
    local pid = slow_printer(sbx)
    fault(finally, { mode = "drop", sandboxId = sbx.sandbox_id, match = "/process.Process/Connect", count = 1,
                     after_bytes = start_size(pid) + stdout_size("first") })
    local h = sbx.commands:connect(pid)
    local ok, err = pcall(h.wait, h)
    assert.is_false(ok)
    assert.are.equal("SandboxError", err.name, tostring(err))
    assert.are.equal("dropped", err.kind)
    assert.are.equal("first", err.stdout)
    assert.are.equal("", err.stderr)
    assert.are.equal(err, select(2, pcall(h.wait, h)))   -- the same error again, nothing lost
  end)

  it("a malformed envelope raises a malformed SandboxError with the output received so far", function()
    local sbx = e2e.sandbox(finally)
    local pid = slow_printer(sbx)
    fault(finally, { mode = "malformed", sandboxId = sbx.sandbox_id, match = "/process.Process/Connect", count = 1,
                     after_bytes = start_size(pid) + stdout_size("first") })
    local seen = {}
    local h = sbx.commands:connect(pid)
    local ok, err = pcall(function() for ev in h:events() do seen[#seen + 1] = ev.data end end)
    assert.is_false(ok)
    assert.are.equal("SandboxError", err.name, tostring(err))
    assert.are.equal("malformed", err.kind)
    assert.are.same({ "first" }, seen)
    assert.are.equal("first", err.stdout)
    -- the process itself was not touched
    assert.are.equal("second-part", sbx.commands:connect(pid):wait().stdout)
  end)
end)
