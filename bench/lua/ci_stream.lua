-- Scenario 7: a cell printing BENCH_CI_STREAM_BYTES of stdout (lines of 1 KiB); throughput. The
-- output (logs.stdout joined) goes to BENCH_OUT after the clock stops; run.sh checks its checksum.
local B = require("common")
local ci = require("e2b.code_interpreter")
local bytes, out = assert(tonumber(os.getenv("BENCH_CI_STREAM_BYTES"))), assert(os.getenv("BENCH_OUT"))
B.main(function()
  local sbx = ci.Sandbox.create({ timeout = 600 })
  local ok, err = pcall(function()
    B.check(sbx:run_code("1+1").text == "2", "warm-up cell")
    local t0 = B.now_ms()
    local ex = sbx:run_code(("import sys\nline = '0123456789abcdef' * 63 + '0123456789abcde\\n'\n" ..
      "for _ in range(%d):\n    sys.stdout.write(line)\nsys.stdout.flush()"):format(math.floor(bytes / 1024)))
    local t1 = B.now_ms()
    B.check(ex.error == nil, "the cell failed: " .. tostring(ex.error))
    local text = table.concat(ex.logs.stdout)
    B.check(#text == bytes, "stdout has " .. #text .. " bytes, want " .. bytes)
    local f = assert(io.open(out, "wb"))
    f:write(text)
    f:close()
    B.emit("MBps", bytes / 1048576 / ((t1 - t0) / 1000))
  end)
  pcall(sbx.kill, sbx)
  if not ok then error(err, 0) end
end)
