-- Run one command in each of several sandboxes at once (e2b.async: the I/O of all tasks overlaps
-- on one client). Runs on E2B with E2B_API_KEY, on the API in E2B_API_URL, or else on a local
-- emulator it starts. Exits non-zero when any sandbox failed.
--   lua5.4 examples/parallel_sandboxes.lua [count]
local e2b = require("e2b")
local async = e2b.async

local n = tonumber(arg and arg[1]) or 4
local target = require("e2b.emulator").target()
print("running " .. n .. " sandboxes on " .. target.description)
local started = os.time()
local tasks = {}
for i = 1, n do
  tasks[i] = async.spawn(function()
    local sbx = e2b.Sandbox.create(target:options({ timeout = 120 }))
    local ok, res = async.pcall(function()
      return sbx.commands:run("sleep 1; echo sandbox " .. i .. " on $(hostname)", {
        on_stdout = function(d) io.write("[", i, "] ", d) end,
      })
    end)
    pcall(sbx.kill, sbx)
    if not ok then error(res, 0) end
    return res.exit_code
  end)
end
local failed = 0
for i, r in ipairs(async.gather(tasks)) do
  if not r.ok then
    failed = failed + 1
    io.stderr:write("task " .. i .. " failed: " .. tostring(r.error) .. "\n")
  end
end
target:stop()
print(string.format("%d sandboxes in about %d s, %d failed", n, os.time() - started, failed))
if failed > 0 then os.exit(1) end
