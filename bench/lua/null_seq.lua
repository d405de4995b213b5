-- Null server: BENCH_SEQ_CALLS sequential commands:run("echo hi") on one sandbox; ops/s and the
-- client's CPU per call (getrusage).
local B = require("common")
local n = assert(tonumber(os.getenv("BENCH_SEQ_CALLS")))
B.main(function()
  B.with_sandbox(function(sbx)
    local cmds = sbx.commands
    local t0, c0 = B.now_ms(), B.cpu_s()
    for _ = 1, n do
      local r = cmds:run("echo hi")
      if r.stdout ~= "hi\n" then B.check(false, "echo hi printed " .. string.format("%q", r.stdout)) end
    end
    local t1, c1 = B.now_ms(), B.cpu_s()
    B.emit("ops_s", n / ((t1 - t0) / 1000))
    B.emit("cpu_us_per_call", (c1 - c0) / n * 1e6)
  end)
end)
