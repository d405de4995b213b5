--- Shared state of end-to-end specs: the emulator spec/helper.lua started (or the environment the
--- run was pointed at), and cleanup helpers for specs that create sandboxes.
local M = {}

--- Fail the calling spec clearly when no emulator is available.
function M.require_emulator()
  if not M.env then
    error("no emulator for end-to-end specs: " .. (M.start_error or "spec/helper.lua was not loaded"), 2)
  end
end

-- busted keeps only the last `finally` of a test, so cleanups are collected here and one
-- runner does them all (newest first).
local pending = {}
local function run_all()
  local list = pending
  pending = {}
  for i = #list, 1, -1 do pcall(list[i]) end
end

--- Run `fn` when the current test ends, whatever its outcome.
---@param finally function busted's finally
---@param fn function
function M.defer(finally, fn)
  pending[#pending + 1] = fn
  finally(run_all)
end

--- Create a sandbox for a spec; it is killed when the test ends.
---@param finally function busted's finally
---@param opts table?
function M.sandbox(finally, opts)
  M.require_emulator()
  local sbx = require("e2b").Sandbox.create(opts)
  M.defer(finally, function() sbx:kill() end)
  return sbx
end

--- Install a fault rule on the helper's emulator (emulator README "Fault injection"); all rules
--- are cleared when the test ends.
---@param finally function busted's finally
---@param rule table the rule as the control API takes it
function M.fault(finally, rule)
  M.require_emulator()
  local emu = assert(M.emulator, "fault specs need the emulator spec/helper.lua starts (E2B_API_URL is set)")
  local t = require("e2b.transport").new({ request_timeout = 10 })
  local res = t:request({ method = "POST", url = emu.control_url .. "/faults",
    headers = { ["Content-Type"] = "application/json" }, body = require("e2b.json").encode(rule) })
  assert(res.status == 201, "fault rule refused: " .. tostring(res.status) .. " " .. tostring(res.body))
  M.defer(finally, function()
    t:request({ method = "DELETE", url = emu.control_url .. "/faults" })
    t:close()
  end)
end

-- Bytes of one enveloped process-stream message as envd's JSON codec writes it, for
-- fault rules that cut a stream after a given byte count.
local function envelope_size(payload) return 5 + #payload end

--- Wire size of envd's start event for `pid`.
function M.start_size(pid) return envelope_size('{"event":{"start":{"pid":' .. pid .. '}}}') end

--- Wire size of one stdout data event carrying `s`.
function M.stdout_size(s)
  return envelope_size('{"event":{"data":{"stdout":"' .. require("e2b.envd").b64encode(s) .. '"}}}')
end

return M
