-- The fault matrix of issue 13 against the emulator's fault control (emulator README "Fault
-- injection"): every fault ends in the documented error or a successful retry, within its time,
-- with the output received before it kept. (Drop and malformed mid-stream: streams_spec.lua.)
local e2e = require("spec.support.e2e")
local core = require("e2b.core")
local envd = require("e2b.envd")
local e2b = require("e2b")
local errors = e2b.errors

local function now() return core.now_ms() / 1000 end

local fault, start_size, stdout_size = e2e.fault, e2e.start_size, e2e.stdout_size

local function http_date(secs_from_now) return os.date("!%a, %d %b %Y %H:%M:%S GMT", os.time() + secs_from_now) end

describe("fault matrix (end to end)", function()
  before_each(function() e2e.require_emulator() end)

  describe("a silent stream (no data, no keepalive)", function()
    local saved
    before_each(function() saved = envd.KEEPALIVE_INTERVAL envd.KEEPALIVE_INTERVAL = 1 end)
    after_each(function() envd.KEEPALIVE_INTERVAL = saved end)

    -- Start `cmd` in the background, detach, make the next Connect to it go silent after
    -- `after_bytes`, and reconnect with `timeout`: the handle whose wait meets the silence.
    local function reconnect_into_silence(sbx, cmd, after_bytes, timeout)
      local h = sbx.commands:run(cmd, { background = true, timeout = 0 })
      e2e.defer(finally, function() pcall(h.kill, h) end)
      h:disconnect()
      fault(finally, { mode = "silent", sandboxId = sbx.sandbox_id, match = "/process.Process/Connect", count = 1,
                       after_bytes = after_bytes(h.pid) })
      return sbx.commands:connect(h.pid, { timeout = timeout })
    end

    it("without a timeout fails after 3 missed keepalives, kind 'stalled', output kept", function()
      local sbx = e2e.sandbox(finally)
      local t0
      -- "first" has been printed by now: Connect replays nothing, so the silence starts after the start event
      local c = reconnect_into_silence(sbx, "printf first; sleep 0.5; printf second; sleep 30",
        function(pid) t0 = now() return start_size(pid) end, 0)
      local ok, err = pcall(c.wait, c)
      local took = now() - t0
      assert.is_false(ok)
      assert.are.equal("TimeoutError", err.name, tostring(err))
      assert.are.equal("stalled", err.kind)
      assert.matches("silent", err.message)
      assert.is_true(took >= 2.5 and took < 8, ("took %.1f s (interval 1 s x 3)"):format(took))
    end)

    it("keeps the output received before the silence", function()
      envd.KEEPALIVE_INTERVAL = 2   -- "first" (1 s in) must come before any keepalive
      local sbx = e2e.sandbox(finally)
      local c = reconnect_into_silence(sbx, "sleep 1; printf first; sleep 1; printf second; sleep 30",
        function(pid) return start_size(pid) + stdout_size("first") end, 0)
      local ok, err = pcall(c.wait, c)
      assert.is_false(ok)
      assert.are.equal("stalled", err.kind, tostring(err))
      assert.are.equal("first", err.stdout)
    end)

    it("with a timeout shorter than the silence limit ends at the timeout", function()
      envd.KEEPALIVE_INTERVAL = 5   -- silence limit 15 s: the 2 s timeout comes first
      local sbx = e2e.sandbox(finally)
      local t0
      local c = reconnect_into_silence(sbx, "sleep 30", function(pid) t0 = now() return start_size(pid) end, 2)
      local ok, err = pcall(c.wait, c)
      local took = now() - t0
      assert.is_false(ok)
      assert.are.equal("TimeoutError", err.name, tostring(err))
      assert.are_not.equal("stalled", err.kind)
      assert.is_true(took >= 1.5 and took < 6, ("took %.1f s"):format(took))
    end)

    it("an idle command that envd keeps pinging is not silent", function()
      local sbx = e2e.sandbox(finally)
      local t0 = now()
      local r = sbx.commands:run("sleep 4; echo done", { timeout = 0 })   -- > 3 x the 1 s interval
      assert.are.equal("done\n", r.stdout)
      assert.is_true(now() - t0 >= 4)
    end)
  end)

  describe("REST answers", function()
    -- Retry-After in seconds, max_retries and 503-on-GET-only: retry_spec.lua (end to end).
    it("429 with Retry-After as an HTTP date is waited out and retried", function()
      local sbx = e2e.sandbox(finally)
      fault(finally, { mode = "status", status = 429, retry_after = http_date(2), surface = "api",
                       match = "/sandboxes/" .. sbx.sandbox_id, count = 1 })
      local t0 = now()
      assert.are.equal("running", sbx:get_info().state)
      local took = now() - t0
      assert.is_true(took >= 0.9 and took < 5, ("took %.1f s"):format(took))
    end)

    it("503 with Retry-After as an HTTP date on a GET is retried", function()
      local sbx = e2e.sandbox(finally)
      fault(finally, { mode = "status", status = 503, retry_after = http_date(1), surface = "api",
                       match = "/sandboxes/" .. sbx.sandbox_id, count = 1 })
      assert.are.equal("running", sbx:get_info().state)
    end)

    it("a 503 that outlasts the retries is a ServiceBusyError with its status", function()
      local sbx = e2e.sandbox(finally)
      fault(finally, { mode = "status", status = 503, retry_after = 0, surface = "api",
                       match = "/sandboxes/" .. sbx.sandbox_id, count = 3 })
      local ok, err = pcall(sbx.get_info, sbx)
      assert.is_false(ok)
      assert.are.equal("ServiceBusyError", err.name, tostring(err))
      assert.is_true(err:is(errors.SandboxError))
      assert.are.equal(503, err.status)
    end)

    it("a 500 is not retried: SandboxError at once", function()
      local sbx = e2e.sandbox(finally)
      fault(finally, { mode = "status", status = 500, surface = "api", match = "/sandboxes/" .. sbx.sandbox_id, count = 1 })
      local t0 = now()
      local ok, err = pcall(sbx.get_info, sbx)
      assert.is_false(ok)
      assert.are.equal("SandboxError", err.name)
      assert.are.equal(500, err.status)
      assert.is_true(now() - t0 < 2)
      assert.are.equal("running", sbx:get_info().state)
    end)
  end)

  describe("envd answers", function()
    it("a transient 503 on process start is a ServiceBusyError, not SandboxNotFoundError", function()
      local sbx = e2e.sandbox(finally)
      fault(finally, { mode = "status", status = 503, surface = "envd", sandboxId = sbx.sandbox_id,
                       match = "/process.Process/Start", count = 1 })
      local ok, err = pcall(sbx.commands.run, sbx.commands, "echo hi")
      assert.is_false(ok)
      assert.are.equal("ServiceBusyError", err.name, tostring(err))
      assert.are.equal("hi\n", sbx.commands:run("echo hi").stdout)   -- the sandbox is fine
    end)

    it("a slow answer over the request timeout is a TimeoutError within its time", function()
      local sbx = e2e.sandbox(finally)
      sbx.files:write("/tmp/slow.txt", "data")
      fault(finally, { mode = "delay", ms = 3000, surface = "envd", sandboxId = sbx.sandbox_id, match = "/files", count = 1 })
      local t0 = now()
      local ok, err = pcall(sbx.files.read, sbx.files, "/tmp/slow.txt", { request_timeout = 0.5 })
      local took = now() - t0
      assert.is_false(ok)
      assert.are.equal("TimeoutError", err.name, tostring(err))
      assert.is_true(took < 2.5, ("took %.1f s"):format(took))
      fault(finally, { mode = "delay", ms = 500, surface = "envd", sandboxId = sbx.sandbox_id, match = "/files", count = 1 })
      assert.are.equal("data", sbx.files:read("/tmp/slow.txt", { request_timeout = 5 }))
    end)
  end)

  describe("the emulator killed mid-command", function()
    it("ends the wait with an error that keeps the output so far, within seconds", function()
      local emu = require("e2b.emulator").start({ start_timeout = 60 })
      e2e.defer(finally, function() emu:stop(2) end)
      local sbx = e2b.Sandbox.create(emu.config)
      local h = sbx.commands:run("printf first; sleep 30", { background = true, timeout = 0 })
      local out = {}
      for ev in h:events() do
        if ev.type == "stdout" then out[#out + 1] = ev.data break end
      end
      assert.are.equal("first", table.concat(out))
      os.execute("kill -9 " .. emu.pid)
      local t0 = now()
      local ok, err = pcall(h.wait, h)
      local took = now() - t0
      assert.is_false(ok)
      assert.is_true(errors.is(err, errors.SandboxError), tostring(err))
      assert.are.equal("first", err.stdout)
      assert.is_true(took < 10, ("took %.1f s"):format(took))
    end)
  end)
end)
