-- Turns a bench run's results.tsv into the markdown report (stdout).
-- usage: lua5.4 report.lua RESULTS.tsv META.tsv [sdk|ci]   (only that set of scenarios; default all)
-- RESULTS.tsv: scenario \t client \t round \t metric \t value   (value "FAIL" for a failed run)
-- META.tsv:    key \t value   (machine, versions, date, sizes; printed in that order)
local results_path, meta_path = assert(arg[1], "results.tsv"), assert(arg[2], "meta.tsv")
local only = arg[3]

local SCENARIOS = {
  { id = "roundtrip", title = "1. Sandbox round trip (create → `echo hi` → kill)" },
  { id = "seq50", title = "2. 50 sequential short commands on one sandbox (per command)" },
  { id = "par20", title = "3. 20 commands at once on one sandbox (`sleep 0.1; echo i`, wall time)" },
  { id = "files", title = "4. File transfer: write, then read back a large file" },
  { id = "stream", title = "5. Streaming output: one command printing a large stdout" },
  { id = "ci_roundtrip", set = "ci", clients = { "lua", "js" },
    title = "6. Code interpreter round trip: `run_code(\"1+1\")` on a warm context (per cell)" },
  { id = "ci_stream", set = "ci", clients = { "lua", "js" },
    title = "7. Code interpreter output: one cell printing a large stdout (1 KiB lines)" },
}
local METRICS = {   -- unit and direction of each metric
  ms = { "ms", "lower" }, cmd_ms = { "ms", "lower" }, wall_ms = { "ms", "lower" }, run_ms = { "ms", "lower" },
  write_MBps = { "MB/s", "higher" }, read_MBps = { "MB/s", "higher" }, MBps = { "MB/s", "higher" },
  rss_MiB = { "MiB", "lower" },
}
local CLIENTS = { "lua", "js", "curl" }
local CLIENT_NAMES = { lua = "Lua SDK", js = "JS SDK", curl = "raw curl" }

local data, fails, order = {}, {}, {}
for line in io.lines(results_path) do
  local s, c, r, m, v = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)$")
  if s then
    if v == "FAIL" then
      fails[#fails + 1] = ("%s / %s / round %s: %s"):format(s, CLIENT_NAMES[c] or c, r, m)
    else
      data[s] = data[s] or {}
      data[s][m] = data[s][m] or {}
      data[s][m][c] = data[s][m][c] or {}
      local list = data[s][m][c]
      list[#list + 1] = assert(tonumber(v), line)
      if not order[s .. m] then order[s .. m] = true; order[#order + 1] = { s, m } end
    end
  end
end

-- nearest-rank percentile of a sorted copy
local function pct(list, p)
  local t = {}
  for i, v in ipairs(list) do t[i] = v end
  table.sort(t)
  if #t == 0 then return nil end
  if p == 50 and #t % 2 == 0 then return (t[#t / 2] + t[#t / 2 + 1]) / 2 end
  return t[math.max(1, math.ceil(p / 100 * #t))]
end

local function fmt(v)
  if v == nil then return "—" end
  if v >= 100 then return ("%.0f"):format(v) end
  if v >= 10 then return ("%.1f"):format(v) end
  return ("%.2f"):format(v)
end

local function ratio(a, b)
  if not a or not b or b == 0 then return "—" end
  return ("%.2f×"):format(a / b)
end

local out = {}
local function say(s) out[#out + 1] = s or "" end

say("| | |")
say("|---|---|")
for line in io.lines(meta_path) do
  local k, v = line:match("^([^\t]+)\t(.*)$")
  if k then say(("| %s | %s |"):format(k, v)) end
end
say()
say("Each cell: median (p90) over all samples of all rounds. Ratios compare medians: for ms and")
say("MiB below 1× means Lua is better; for MB/s above 1× means Lua is better.")

for _, sc in ipairs(SCENARIOS) do
  local per = data[sc.id]
  if per and (only == nil or only == (sc.set or "sdk")) then
    say()
    say("### " .. sc.title)
    say()
    if sc.clients then   -- Lua and JS only
      say("| metric | Lua SDK | JS SDK | Lua/JS | samples |")
      say("|---|---|---|---|---|")
    else
      say("| metric | Lua SDK | JS SDK | raw curl | Lua/JS | Lua/curl | samples |")
      say("|---|---|---|---|---|---|---|")
    end
    local metrics = {}
    for _, o in ipairs(order) do if o[1] == sc.id then metrics[#metrics + 1] = o[2] end end
    for _, m in ipairs(metrics) do
      local meta = METRICS[m] or { "", "lower" }
      local cells, med, n = {}, {}, 0
      for _, c in ipairs(CLIENTS) do
        local list = per[m][c] or {}
        med[c] = pct(list, 50)
        n = math.max(n, #list)
        cells[#cells + 1] = med[c] and ("%s (%s)"):format(fmt(med[c]), fmt(pct(list, 90))) or "—"
      end
      if sc.clients then
        say(("| %s [%s, %s is better] | %s | %s | %s | %d |"):format(m, meta[1], meta[2],
          cells[1], cells[2], ratio(med.lua, med.js), n))
      else
        say(("| %s [%s, %s is better] | %s | %s | %s | %s | %s | %d |"):format(m, meta[1], meta[2],
          cells[1], cells[2], cells[3], ratio(med.lua, med.js), ratio(med.lua, med.curl), n))
      end
    end
  end
end

say()
if #fails > 0 then
  say("**Failed runs (not counted above):**")
  say()
  for _, f in ipairs(fails) do say("* " .. f) end
else
  say("Every run of every client passed its checks (echoed text, sizes, SHA-256 of the copies).")
end
io.write(table.concat(out, "\n"), "\n")
