-- A data-analysis step with the Code Interpreter: write a CSV into the sandbox, load it with
-- pandas, compute per-region figures, draw a chart with matplotlib and save the PNG locally.
--
--   lua5.4 examples/code_interpreter.lua [out.png]   (E2B with E2B_API_KEY, E2B_API_URL, or a local emulator)
--
-- Exits non-zero on any failure: an SDK error, an error in the Python code, or a wrong figure.
local ci = require("e2b.code_interpreter")
local envd = require("e2b.envd")   -- base64 decoding (the C core's)

local out_path = arg[1] or "/tmp/e2b-example-sales-by-region.png"
local target = require("e2b.emulator").target()

-- The data, made here so the figures can be checked against Lua's own sums.
local regions = { "north", "south", "east", "west" }
local rows, expected = { "region,month,units,price" }, {}
for month = 1, 12 do
  for i, region in ipairs(regions) do
    local units = (month * 7 + i * 13) % 50 + 10
    local price = 2 + i * 0.5
    rows[#rows + 1] = ("%s,%d,%d,%.2f"):format(region, month, units, price)
    expected[region] = (expected[region] or 0) + units * price
  end
end

-- An error in the cell is a value on the execution: turn it into a failure of this script.
local function run(sbx, code, opts)
  local ex = sbx:run_code(code, opts)
  if ex.error then
    error(("%s: %s\n%s"):format(ex.error.name, ex.error.value, ex.error.traceback), 0)
  end
  return ex
end

target:run({ timeout = 300 }, function(sbx)
  sbx.files:write("/home/user/sales.csv", table.concat(rows, "\n") .. "\n")

  -- State persists across cells: load once, use in the next cells.
  run(sbx, [[
import pandas as pd
df = pd.read_csv("/home/user/sales.csv")
df["revenue"] = df["units"] * df["price"]
by_region = df.groupby("region")["revenue"].sum().sort_values(ascending=False)
print(f"{len(df)} rows, {df['region'].nunique()} regions")
]], { on_stdout = function(m) io.write("sandbox: ", m.line) end })

  -- The last expression comes back as a result; a DataFrame also as html and as `data`.
  local ex = run(sbx, "by_region.round(2).reset_index()")
  local table_result = ex.results[1]
  assert(table_result and table_result.data, "no DataFrame data in the result")
  print(ex.text)
  for i, region in ipairs(table_result.data.region) do
    local got = table_result.data.revenue[i]
    local want = expected[region]
    assert(math.abs(got - want) < 0.01, ("%s: revenue %s, expected %.2f"):format(region, tostring(got), want))
  end

  -- A chart: matplotlib's figure comes back as a PNG (base64) result.
  ex = run(sbx, [[
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(6, 4))
by_region.plot.bar(ax=ax, color="steelblue")
ax.set_title("Revenue by region")
ax.set_ylabel("revenue")
plt.tight_layout()
plt.show()
]])
  local png
  for _, r in ipairs(ex.results) do
    if r.png then png = envd.b64decode(r.png) end
  end
  assert(png and png:sub(1, 8) == "\137PNG\r\n\26\n", "no PNG chart in the results")
  local f = assert(io.open(out_path, "wb"))
  f:write(png)
  f:close()
  print(("chart: %s (%d bytes)"):format(out_path, #png))
end, ci.Sandbox)
