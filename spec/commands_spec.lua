local F = require("spec.support.fake_transport")
local u = require("spec.support.unit")
local e2e = require("spec.support.e2e")
local e2b = require("e2b")
local errors = e2b.errors
local b64 = require("e2b.envd").b64encode
local core = require("e2b.core")

local function data(which, s) return { event = { data = { [which] = b64(s) } } } end
local START = { event = { start = { pid = 412 } } }
local function END(code, err)
  return { event = { ["end"] = { exitCode = code ~= 0 and code or nil, exited = true,
                                 status = "exit status " .. code, error = err } } }
end

local function busy(ms) local t = core.now_ms() + ms while core.now_ms() < t do end end

describe("commands (unit)", function()
  local sbx, fake
  before_each(function() sbx, fake = u.sandbox() end)

  it("starts /bin/bash -l -c with the documented request and headers", function()
    fake:on("POST /process.Process/Start", function() return { START, data("stdout", "hi\n"), END(0) } end)
    local r = sbx.commands:run("echo hi", { envs = { A = "1" }, cwd = "/tmp", user = "root", timeout = 5 })
    assert.are.same({ stdout = "hi\n", stderr = "", exit_code = 0 }, r)
    local req = fake.last
    assert.are.equal("https://sandbox.e2b.app/process.Process/Start", req.url)
    assert.are.equal("\0\0\0", req.body:sub(1, 3))   -- one enveloped message: flags 0, length
    assert.are.equal(#req.body - 5, req.body:byte(4) * 256 + req.body:byte(5))
    assert.are.same({ process = { cmd = "/bin/bash", args = { "-l", "-c", "echo hi" }, envs = { A = "1" }, cwd = "/tmp" },
                      stdin = false }, F.body(req))
    local h = req.headers
    assert.are.equal("application/connect+json", h["Content-Type"])
    assert.are.equal("1", h["Connect-Protocol-Version"])
    assert.are.equal("5000", h["Connect-Timeout-Ms"])
    assert.are.equal("50", h["Keepalive-Ping-Interval"])
    assert.are.equal("Basic cm9vdDo=", h["Authorization"])
    assert.are.equal("isbx1", h["E2b-Sandbox-Id"])
    assert.are.equal("49983", h["E2b-Sandbox-Port"])
    assert.are.equal(u.TOKEN, h["X-Access-Token"])
    assert.is_nil(h["X-API-KEY"])
    assert.are.equal(60, req.timeout)         -- until the start event
    assert.are.equal(5, req.stream_timeout)
  end)

  it("omits the timeout header for timeout = 0 and the user header without a user", function()
    fake:on("POST /process.Process/Start", function() return { START, END(0) } end)
    sbx.commands:run("true", { timeout = 0 })
    assert.is_nil(fake.last.headers["Connect-Timeout-Ms"])
    assert.is_nil(fake.last.headers["Authorization"])
    sbx.commands:run("true")
    assert.are.equal("60000", fake.last.headers["Connect-Timeout-Ms"])
  end)

  it("keeps each call's headers right while the client reuses its header sets", function()
    fake:on("POST /process.Process/Start", function() return { START, END(0) } end)
    fake:on("POST /process.Process/List", function() return F.json(200, { processes = {} }) end)
    local function sent() local h = fake.last.headers return { h["Authorization"], h["Connect-Timeout-Ms"] } end
    sbx.commands:run("a", { user = "root", timeout = 5 })
    assert.are.same({ "Basic cm9vdDo=", "5000" }, sent())
    sbx.commands:run("b")
    assert.are.same({ nil, "60000" }, sent())
    sbx.commands:run("c", { user = "user", timeout = 5 })
    assert.are.same({ "Basic dXNlcjo=", "5000" }, sent())
    sbx.commands:run("d", { user = "root", timeout = 5 })
    assert.are.same({ "Basic cm9vdDo=", "5000" }, sent())
    sbx.commands:list({ request_timeout = 7 })   -- a unary call: its own set, no stream headers
    assert.are.same({ nil, "7000" }, sent())
    assert.are.equal("application/json", fake.last.headers["Content-Type"])
    assert.is_nil(fake.last.headers["Keepalive-Ping-Interval"])
    -- many distinct timeouts: the sets stay bounded and every request still says its own
    for i = 1, 40 do
      sbx.commands:run("e", { timeout = i })
      assert.are.equal(tostring(i * 1000), fake.last.headers["Connect-Timeout-Ms"])
    end
    -- what a set is made of changes: the next request says so
    local envd = require("e2b.envd")
    local interval = envd.KEEPALIVE_INTERVAL
    envd.KEEPALIVE_INTERVAL = 7
    local ok, err = pcall(sbx.commands.run, sbx.commands, "f")
    envd.KEEPALIVE_INTERVAL = interval
    assert(ok, err)
    assert.are.equal("7", fake.last.headers["Keepalive-Ping-Interval"])
    sbx.commands:run("g")
    assert.are.equal("50", fake.last.headers["Keepalive-Ping-Interval"])
  end)

  it("encodes the start request's strings as JSON whatever they hold", function()
    fake:on("POST /process.Process/Start", function() return { START, END(0) } end)
    local cmd = 'printf "%s\\n" \'a/b\' \\ "\226\130\172" \t\r\n\1 }]'
    sbx.commands:run(cmd, { envs = { ['K"1'] = "v\\\n", B = "" }, cwd = "/tmp/x y\"", tag = "t\"}", stdin = true })
    assert.are.same({ process = { cmd = "/bin/bash", args = { "-l", "-c", cmd }, envs = { ['K"1'] = "v\\\n", B = "" },
                                  cwd = "/tmp/x y\"" }, stdin = true, tag = "t\"}" }, F.body(fake.last))
    sbx.commands:run("x", { envs = {} })   -- empty envs are left out, as before
    assert.are.same({ process = { cmd = "/bin/bash", args = { "-l", "-c", "x" } }, stdin = false }, F.body(fake.last))
  end)

  it("calls on_stdout/on_stderr as output arrives, never splitting a character", function()
    local euro = "\226\130\172"   -- "€"
    fake:on("POST /process.Process/Start", function()
      return { START, data("stdout", "a" .. euro:sub(1, 1)), data("stderr", "e1"), data("stdout", euro:sub(2) .. "b"),
               { event = { keepalive = {} } }, data("stdout", "\226"), END(0) }
    end)
    local out, err = {}, {}
    local r = sbx.commands:run("x", { on_stdout = function(s) out[#out + 1] = s end,
                                      on_stderr = function(s) err[#err + 1] = s end })
    assert.are.same({ "a", euro .. "b", "\226" }, out)
    assert.are.same({ "e1" }, err)
    assert.are.equal("a" .. euro .. "b\226", r.stdout)
  end)

  it("raises CommandExitError with the result on a non-zero exit", function()
    fake:on("POST /process.Process/Start", function()
      return { START, data("stdout", "out"), data("stderr", "bad"), END(3, "exit status 3") }
    end)
    local err = u.raised(sbx.commands.run, sbx.commands, "exit 3")
    assert.is_true(errors.is(err, errors.CommandExitError))
    assert.are.same({ 3, "out", "bad", "exit status 3" }, { err.exit_code, err.stdout, err.stderr, err.error })
    assert.are.equal("Command exited with code 3 and error:\nbad", err.message)
  end)

  it("maps stream errors: deadline → TimeoutError, first-event unavailable → SandboxNotFoundError", function()
    fake:on("POST /process.Process/Start", function()
      return { START, { error = { code = "deadline_exceeded", message = "context deadline exceeded" } } }
    end)
    local err = u.raised(sbx.commands.run, sbx.commands, "sleep 100", { timeout = 1 })
    assert.are.equal("TimeoutError", err.name)
    assert.matches("^context deadline exceeded: ", err.message)
    fake:on("POST /process.Process/Start", function()
      return { { error = { code = "unavailable", message = "sandbox gone" } } }
    end)
    assert.are.equal("SandboxNotFoundError", u.raised(sbx.commands.run, sbx.commands, "x").name)
    fake:on("POST /process.Process/Start", function()
      return { { error = { code = "unauthenticated", message = "invalid username: 'bob'" } } }
    end)
    err = u.raised(sbx.commands.run, sbx.commands, "x", { user = "bob" })
    assert.are.equal("AuthenticationError", err.name)
    assert.are.equal("invalid username: 'bob'", err.message)
    fake:on("POST /process.Process/Start", function() return { START } end)
    assert.are.equal("Process exited without a result", u.raised(sbx.commands.run, sbx.commands, "x").message)
    fake:on("POST /process.Process/Start", function() return { data("stdout", "x") } end)
    assert.matches("expected start event", u.raised(sbx.commands.run, sbx.commands, "x").message)
  end)

  it("returns a handle for background commands", function()
    fake:on("POST /process.Process/Start", function() return { START, data("stdout", "later"), END(0) } end)
    local h = sbx.commands:run("sleep 1", { background = true, stdin = true })
    assert.are.equal(412, h.pid)
    assert.is_true(F.body(fake.last).stdin)
    assert.are.equal("later", h:wait().stdout)
    assert.are.equal("e2b.CommandHandle(pid=412)", tostring(h))
  end)

  it("disconnect closes the stream and wait then explains", function()
    fake:on("POST /process.Process/Start", function() return { START, END(0) } end)
    local h = sbx.commands:run("sleep 1", { background = true })
    h:disconnect()
    assert.is_true(fake.streams[1].closed)
    assert.matches("disconnected", u.raised(h.wait, h).message)
  end)

  it("kill sends SIGKILL and reports unknown pids as false", function()
    fake:on("POST /process.Process/SendSignal", function() return F.json(200, {}) end)
    assert.is_true(sbx.commands:kill(412))
    assert.are.same({ process = { pid = 412 }, signal = "SIGNAL_SIGKILL" }, F.body(fake.last))
    assert.are.equal("application/json", fake.last.headers["Content-Type"])
    assert.are.equal("60000", fake.last.headers["Connect-Timeout-Ms"])
    fake:on("POST /process.Process/SendSignal", function()
      return F.json(404, { code = "not_found", message = "process with pid 9 not found" })
    end)
    assert.is_false(sbx.commands:kill(9))
    fake:on("POST /process.Process/SendSignal", function() return F.json(500, { code = "internal", message = "x" }) end)
    assert.are.equal("internal: x", u.raised(sbx.commands.kill, sbx.commands, 9).message)
  end)

  it("sends stdin as base64 and closes it", function()
    fake:on("POST /process.Process/SendInput", function() return F.json(200, {}) end)
    fake:on("POST /process.Process/CloseStdin", function() return F.json(200, {}) end)
    sbx.commands:send_stdin(412, "hi\n")
    assert.are.same({ process = { pid = 412 }, input = { stdin = "aGkK" } }, F.body(fake.last))
    sbx.commands:close_stdin(412)
    assert.are.same({ process = { pid = 412 } }, F.body(fake.last))
  end)

  it("refuses close_stdin on envd older than 0.5.2 without a request", function()
    local old = u.sandbox(nil, { envdVersion = "0.5.1" })
    local err = u.raised(old.commands.close_stdin, old.commands, 1)
    assert.are.equal("SandboxError", err.name)
  end)

  it("lists processes", function()
    fake:on("POST /process.Process/List", function()
      return F.json(200, { processes = { { pid = 7, tag = "t", config = { cmd = "/bin/bash", args = { "-l", "-c", "sleep 9" },
        envs = { A = "1" }, cwd = "/home/user" } } } })
    end)
    assert.are.same({ { pid = 7, tag = "t", cmd = "/bin/bash", args = { "-l", "-c", "sleep 9" }, envs = { A = "1" },
                        cwd = "/home/user" } }, sbx.commands:list())
    assert.are.equal("{}", fake.last.body)
  end)

  it("maps unary errors from a plain HTTP status (proxy 502)", function()
    fake:on("POST /process.Process/List", function()
      return F.json(502, { sandboxId = "isbx1", message = "The sandbox was not found", code = 502 })
    end)
    local err = u.raised(sbx.commands.list, sbx.commands)
    assert.are.equal("TimeoutError", err.name)
    assert.matches("^The sandbox was not found: This error is likely due to sandbox timeout", err.message)
  end)

  it("connect attaches to a pid", function()
    fake:on("POST /process.Process/Connect", function() return { { event = { start = { pid = 5 } } }, END(0) } end)
    local h = sbx.commands:connect(5, { timeout = 0 })
    assert.are.same({ process = { pid = 5 } }, F.body(fake.last))
    assert.is_nil(fake.last.headers["Authorization"])
    assert.are.equal(0, h:wait().exit_code)
  end)

  it("events() yields data and exit in order, skips keepalive and start, and wait still works", function()
    fake:on("POST /process.Process/Start", function()
      return { START, data("stdout", "a"), { event = { keepalive = {} } }, data("stderr", "b"),
               { event = { start = { pid = 412 } } }, data("stdout", "c"), END(0) }
    end)
    local got = {}
    local h = sbx.commands:run("x", { background = true, on_stdout = function(s) got[#got + 1] = s end })
    local seen = {}
    for ev in h:events() do seen[#seen + 1] = ev end
    assert.are.same({ { type = "stdout", data = "a" }, { type = "stderr", data = "b" },
                      { type = "stdout", data = "c" }, { type = "exit", exit_code = 0 } }, seen)
    assert.are.same({ "a", "c" }, got)
    assert.are.same({ stdout = "ac", stderr = "b", exit_code = 0 }, h:wait())
    assert.is_nil(h:events()())   -- exhausted, not an error
  end)

  it("a stream failure raises once more on every call, with the output received so far", function()
    local drop = errors.SandboxError:new("POST …/Start: connection dropped", { kind = "dropped" })
    fake:on("POST /process.Process/Start", function()
      return { START, data("stdout", "so "), data("stderr", "far"), data("stdout", "good"), { raise = drop } }
    end)
    fake:on("GET /health", function() return F.json(204) end)
    local h = sbx.commands:run("x", { background = true })
    local err = u.raised(h.wait, h)
    assert.are.equal(drop, err)
    assert.are.same({ "dropped", "so good", "far" }, { err.kind, err.stdout, err.stderr })
    assert.are.equal(drop, u.raised(h.events(h)))
    assert.is_true(fake.streams[1].closed)
  end)

  it("a stream that ends without an exit event keeps its output on the error", function()
    fake:on("POST /process.Process/Start", function() return { START, data("stdout", "half") } end)
    local err = u.raised(sbx.commands.run, sbx.commands, "x")
    assert.are.same({ "Process exited without a result", "half" }, { err.message, err.stdout })
  end)

  it("invalid base64 from envd is a specific error that keeps the earlier output", function()
    fake:on("POST /process.Process/Start", function()
      return { START, data("stdout", "ok"), { event = { data = { stdout = "@@@@" } } }, END(0) }
    end)
    local err = u.raised(sbx.commands.run, sbx.commands, "x")
    assert.are.same({ "envd sent invalid base64 data", "ok" }, { err.message, err.stdout })
  end)

  it("a kill that ends the stream after its timeout is a TimeoutError, before it a CommandExitError", function()
    fake:on("POST /process.Process/Start", function()
      return { START, data("stdout", "p"), END(-1, "signal: killed") }
    end)
    local err = u.raised(sbx.commands.run, sbx.commands, "x", { timeout = 0.002, on_stdout = function() busy(5) end })
    assert.are.same({ "TimeoutError", "deadline_exceeded", "p" }, { err.name, err.code, err.stdout })
    assert.matches("exceeding 'timeout'", err.message, 1, true)
    err = u.raised(sbx.commands.run, sbx.commands, "x", { timeout = 60 })
    assert.are.same({ "CommandExitError", -1 }, { err.name, err.exit_code })
  end)

  it("the client's stream deadline reads like envd's and keeps the output", function()
    fake:on("POST /process.Process/Start", function()
      return { START, data("stdout", "p"), { raise = errors.TimeoutError:new("POST …: timed out", { kind = "timeout" }) } }
    end)
    local err = u.raised(sbx.commands.run, sbx.commands, "x", { timeout = 0.002, on_stdout = function() busy(5) end })
    assert.are.same({ "TimeoutError", "deadline_exceeded", "p" }, { err.name, err.code, err.stdout })
    err = u.raised(sbx.commands.run, sbx.commands, "x", { timeout = 60 })   -- not the stream's deadline
    assert.are.same({ "TimeoutError", "timeout" }, { err.name, err.kind })
  end)

  it("sends the request timeout for the handshake and the command timeout for the stream", function()
    fake:on("POST /process.Process/Start", function() return { START, END(0) } end)
    sbx.commands:run("x", { request_timeout = 2, timeout = 0 })
    assert.are.same({ 2, 0 }, { fake.last.timeout, fake.last.stream_timeout })
    assert.is_nil(fake.last.headers["Connect-Timeout-Ms"])
    assert.are.equal("50", fake.last.headers["Keepalive-Ping-Interval"])
  end)

  it("tags a process and connects by tag; the handle closes stdin", function()
    fake:on("POST /process.Process/Start", function() return { START, END(0) } end)
    fake:on("POST /process.Process/Connect", function() return { START, END(0) } end)
    fake:on("POST /process.Process/CloseStdin", function() return F.json(200, {}) end)
    local h = sbx.commands:run("x", { background = true, tag = "srv", stdin = true })
    assert.are.equal("srv", F.body(fake.last).tag)
    h:close_stdin()
    assert.are.same({ process = { pid = 412 } }, F.body(fake.last))
    assert.are.equal(412, sbx.commands:connect({ tag = "srv" }, { timeout = 5 }).pid)
    assert.are.same({ process = { tag = "srv" } }, F.body(fake.last))
    assert.are.equal("5000", fake.last.headers["Connect-Timeout-Ms"])
    assert.matches("must be integer or { tag = string }", u.raised(sbx.commands.connect, sbx.commands, {}).message, 1, true)
    assert.matches("did you mean 'tag'", u.raised(sbx.commands.connect, sbx.commands, { tags = "x" }).message, 1, true)
  end)

  it("rejects bad arguments by name", function()
    assert.are.equal("commands:run: argument 'cmd' must be string, got nil", u.raised(sbx.commands.run, sbx.commands).message)
    assert.matches("did you mean 'on_stdout'", u.raised(sbx.commands.run, sbx.commands, "x", { onStdout = print }).message, 1, true)
    assert.matches("'pid' must be integer", u.raised(sbx.commands.kill, sbx.commands, "1").message)
    assert.matches("'timeout'", u.raised(sbx.commands.run, sbx.commands, "x", { timeout = -2 }).message)
    -- pids are uint32 on the wire: out of range is refused here, naming the argument (not envd's JSON error)
    local calls = {
      { "commands:kill", sbx.commands.kill, sbx.commands }, { "commands:connect", sbx.commands.connect, sbx.commands },
      { "commands:send_stdin", sbx.commands.send_stdin, sbx.commands, "x" },
      { "commands:close_stdin", sbx.commands.close_stdin, sbx.commands },
      { "pty:send_input", sbx.pty.send_input, sbx.pty, "x" }, { "pty:kill", sbx.pty.kill, sbx.pty },
      { "pty:resize", sbx.pty.resize, sbx.pty, { cols = 80, rows = 24 } },
    }
    for _, c in ipairs(calls) do
      for _, pid in ipairs({ -1, 2 ^ 32, 2 ^ 53 }) do
        local e = u.raised(c[2], c[3], pid, c[4])
        assert.are.equal("InvalidArgumentError", e.name)
        assert.are.equal(c[1] .. ": argument 'pid' must be from 0 to 4294967295, got " .. ("%.0f"):format(pid), e.message)
      end
    end
    assert.are.equal(0, #fake.requests)
  end)
end)

describe("commands (end to end)", function()
  local sbx
  before_each(function() e2e.require_emulator() end)

  local function new_sandbox(finally)
    sbx = e2e.sandbox(finally)
    return sbx
  end

  it("runs a command and streams its output", function()
    new_sandbox(finally)
    local out, err = {}, {}
    local r = sbx.commands:run("echo out; echo err >&2; printf 'é'", {
      on_stdout = function(s) out[#out + 1] = s end, on_stderr = function(s) err[#err + 1] = s end })
    assert.are.equal("out\né", r.stdout)
    assert.are.equal("err\n", r.stderr)
    assert.are.equal(0, r.exit_code)
    assert.are.equal("out\né", table.concat(out))
    assert.are.equal("err\n", table.concat(err))
  end)

  it("passes envs, cwd and user", function()
    new_sandbox(finally)
    local r = sbx.commands:run('echo "$A:$(pwd):$(whoami)"', { envs = { A = "x y" }, cwd = "/tmp", user = "root" })
    assert.are.equal("x y:/tmp:root\n", r.stdout)
  end)

  it("raises CommandExitError on failure", function()
    new_sandbox(finally)
    local ok, err = pcall(sbx.commands.run, sbx.commands, "echo no >&2; exit 3")
    assert.is_false(ok)
    assert.are.equal("CommandExitError", err.name)
    assert.are.equal(3, err.exit_code)
    assert.are.equal("no\n", err.stderr)
  end)

  it("enforces the command timeout", function()
    new_sandbox(finally)
    local t0 = os.time()
    local ok, err = pcall(sbx.commands.run, sbx.commands, "sleep 30", { timeout = 1 })
    assert.is_false(ok)
    assert.is_true(err.name == "TimeoutError" or err.name == "CommandExitError", tostring(err))
    assert.is_true(os.time() - t0 < 15)
  end)

  it("runs background commands: list, stdin, wait, kill, connect", function()
    new_sandbox(finally)
    local h = sbx.commands:run("cat", { background = true, stdin = true, timeout = 0 })
    assert.is_true(h.pid > 0)
    local found = false
    for _, p in ipairs(sbx.commands:list()) do
      if p.pid == h.pid then found = true; assert.are.equal("cat", p.args[3]) end
    end
    assert.is_true(found)
    sbx.commands:send_stdin(h.pid, "hello\n")
    sbx.commands:close_stdin(h.pid)
    local r = h:wait()
    assert.are.equal("hello\n", r.stdout)

    local s = sbx.commands:run("sleep 60", { background = true, timeout = 0 })
    local again = sbx.commands:connect(s.pid)
    s:disconnect()
    assert.is_true(sbx.commands:kill(s.pid))
    local ok, err = pcall(again.wait, again)
    assert.is_false(ok)
    assert.are.equal("CommandExitError", err.name)
    assert.are.equal(-1, err.exit_code)
    assert.is_false(sbx.commands:kill(999999))
  end)
end)
