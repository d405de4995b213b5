-- Null server: BENCH_PAR_BATCHES x BENCH_PAR_N concurrent `echo i` on one client (e2b.async
-- tasks, one curl multi); calls/s and the client's CPU per call.
local B = require("common")
local async = require("e2b.async")
local n, batches = assert(tonumber(os.getenv("BENCH_PAR_N"))), assert(tonumber(os.getenv("BENCH_PAR_BATCHES")))
B.main(function()
  B.with_sandbox(function(sbx)
    local t0, c0 = B.now_ms(), B.cpu_s()
    for _ = 1, batches do
      local tasks = {}
      for i = 1, n do
        tasks[i] = async.spawn(function() return sbx.commands:run("echo " .. i).stdout end)
      end
      local outs = async.all(tasks, 60)
      for i = 1, n do B.check(outs[i] == i .. "\n", "command " .. i .. " printed " .. tostring(outs[i])) end
    end
    local t1, c1 = B.now_ms(), B.cpu_s()
    B.emit("ops_s", n * batches / ((t1 - t0) / 1000))
    B.emit("cpu_us_per_call", (c1 - c0) / (n * batches) * 1e6)
  end)
end)
