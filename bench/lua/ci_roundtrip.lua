-- Scenario 6: code interpreter round trip: `run_code("1+1")` on a warm default context, 30 times
-- one after the other on one sandbox (its creation and the first cell are not timed); one
-- sample per cell.
local B = require("common")
local ci = require("e2b.code_interpreter")
B.main(function()
  local sbx = ci.Sandbox.create({ timeout = 600 })
  local ok, err = pcall(function()
    B.check(sbx:run_code("1+1").text == "2", "warm-up cell")
    for _ = 1, 30 do
      local t0 = B.now_ms()
      local ex = sbx:run_code("1+1")
      local t1 = B.now_ms()
      B.check(ex.text == "2" and ex.error == nil, "1+1 gave " .. tostring(ex.text))
      B.emit("run_ms", t1 - t0)
    end
  end)
  pcall(sbx.kill, sbx)
  if not ok then error(err, 0) end
end)
