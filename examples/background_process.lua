-- Background processes: start a long-running job, follow its output as events, let a server's
-- log reach a callback while the script does other work, talk to a process over stdin, list and
-- re-attach, stop what is left.
--
-- Delivery: a background handle's output is read, and its callbacks run, whenever the SDK waits
-- for anything (any SDK call, an e2b.async turn, e2b.poll()); between SDK calls nothing runs.
--
-- Runs against the API in E2B_API_URL when set, E2B when only E2B_API_KEY is set, otherwise a
-- local emulator started for this run.
--   lua5.4 examples/background_process.lua   (with LUA_PATH/LUA_CPATH of a checkout, see README)

local function log(fmt, ...) io.write(("[bg] " .. fmt .. "\n"):format(...)) end

local target = require("e2b.emulator").target()
log("running on %s", target.description)

target:run({ timeout = 120 }, function(sbx)

  -- 1. A job that reports progress; timeout = 0: it may outlive the default 60 s.
  local job = sbx.commands:run("for i in 1 2 3; do echo step $i; sleep 0.3; done; echo warn >&2",
    { background = true, timeout = 0, tag = "job" })
  log("job started, pid %d", job.pid)
  for ev in job:events() do                     -- a pull iterator, in arrival order
    if ev.type == "exit" then log("job exited with %d", ev.exit_code)
    else log("%s: %s", ev.type, (ev.data:gsub("\n$", ""))) end
  end

  -- 1b. A server whose log goes to a callback while the script makes other calls: nobody pulls
  -- its handle, yet nothing stalls (at most Commands.MAX_OUTPUT bytes are kept for wait()).
  local lines = 0
  local server = sbx.commands:run("for i in 1 2 3 4; do echo request $i; sleep 0.2; done",
    { background = true, on_stdout = function(s) lines = lines + select(2, s:gsub("\n", "")) end })
  for i = 1, 30 do
    if lines == 4 then break end
    sbx.files:write("/tmp/work-" .. i .. ".txt", "busy")   -- other work; the log arrives meanwhile
    sbx.commands:run("sleep 0.1")
  end
  log("server logged %d lines while the script did other work; exit %d", lines, server:wait().exit_code)

  -- 2. A filter fed through stdin.
  local upper = sbx.commands:run("tr a-z A-Z", { background = true, stdin = true })
  upper:send_stdin("hello from lua\n")
  upper:close_stdin()
  log("filter said: %s", (upper:wait().stdout:gsub("\n$", "")))

  -- 3. A server-like process: disconnect, find it again, re-attach, kill it.
  local srv = sbx.commands:run("while true; do echo tick; sleep 0.5; done", { background = true, timeout = 0, tag = "ticker" })
  srv:disconnect()                              -- stop receiving; it keeps running
  for _, p in ipairs(sbx.commands:list()) do
    log("running: pid %d tag %s: %s", p.pid, tostring(p.tag), p.args[#p.args])
  end
  local again = sbx.commands:connect({ tag = "ticker" })
  for ev in again:events() do
    log("re-attached, got %q", ev.data)
    break
  end
  log("killed: %s", tostring(again:kill()))
  local killed_ok, killed = pcall(again.wait, again)
  log("ticker ended: %s", killed_ok and "exit 0" or tostring(killed.exit_code) .. " (" .. tostring(killed.error) .. ")")
end)

log("done")
