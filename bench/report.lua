-- Turns a bench run's results.tsv into the markdown report (stdout).
-- usage: lua5.4 report.lua RESULTS.tsv META.tsv [sdk|ci|null]   (only that set; default all)
-- NULL_STREAM_MIB (env): the null set's stream size, for the kept-output RSS goal
-- NULL_FILE_MIB (env): the null set's file size (N6/N7), for the labels of the file goals
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
  { id = "null_stream_cb", set = "null", clients = { "lua", "js", "floor" },
    title = "N1. Null server: stdout streamed through `on_stdout` (lua-e2b with `keep_output = false` where it has it)" },
  { id = "null_stream_keep", set = "null", clients = { "lua", "js", "floor" },
    title = "N2. Null server: the same stdout kept for the result" },
  { id = "null_seq", set = "null", clients = { "lua", "js", "floor", "luajit" },
    title = "N3. Null server: sequential `commands:run(\"echo hi\")` on one sandbox" },
  { id = "null_par", set = "null", clients = { "lua", "js", "floor", "luajit" },
    title = "N4. Null server: 100 concurrent `echo i` on one client (batches of 100)" },
  { id = "null_upload", set = "null", clients = { "lua", "js", "floor" },
    title = "N6. Null server: upload a file (lua-e2b `files:write(path, { from_file = … })`, JS `files.write(path, fs.readFileSync(…))`, the floor libcurl reading the file)" },
  { id = "null_download", set = "null", clients = { "lua", "js", "floor" },
    title = "N7. Null server: download a file to disk (lua-e2b `files:read(path, { to_file = … })`, JS `files.read(path, { format: 'stream' })` piped to a file, the floor libcurl writing the file)" },
  { id = "null_require", set = "null", clients = { "lua", "js" },
    title = "N5. `require(\"e2b\")` in a fresh interpreter" },
}
local METRICS = {   -- unit and direction of each metric
  ms = { "ms", "lower" }, cmd_ms = { "ms", "lower" }, wall_ms = { "ms", "lower" }, run_ms = { "ms", "lower" },
  write_MBps = { "MB/s", "higher" }, read_MBps = { "MB/s", "higher" }, MBps = { "MB/s", "higher" },
  rss_MiB = { "MiB", "lower" },
  cpu_s_per_GB = { "s/GB", "lower" }, server_cpu_s_per_GB = { "s/GB", "lower" },
  ops_s = { "ops/s", "higher" }, cpu_us_per_call = { "µs", "lower" }, server_cpu_us_per_call = { "µs", "lower" },
  require_ms = { "ms", "lower" }, ready_ms = { "ms", "lower" }, kept = { "1 = output also kept", "" },
}
local CLIENTS = { "lua", "js", "curl" }
-- the ratio column a client brings to its scenario's table: { numerator, denominator, heading }
local RATIO_OF = { js = { "lua", "js", "Lua/JS" }, floor = { "lua", "floor", "Lua/floor" },
                   curl = { "lua", "curl", "Lua/curl" }, luajit = { "luajit", "floor", "LuaJIT/floor" } }
local CLIENT_NAMES = { lua = "Lua SDK", js = "JS SDK", curl = "raw curl", floor = "C floor", luajit = "Lua SDK on LuaJIT" }

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
say("Each cell: median (p90) over all samples of all rounds. Ratios compare medians: for ms, µs, s/GB and")
say("MiB below 1× means Lua is better; for MB/s and ops/s above 1× means Lua is better.")

for _, sc in ipairs(SCENARIOS) do
  local per = data[sc.id]
  if per and (only == nil or only == (sc.set or "sdk")) then
    say()
    say((sc.set == "null" and "#### " or "### ") .. sc.title)
    say()
    -- the clients' columns, then their ratio columns (RATIO_OF)
    local clients = sc.clients or CLIENTS
    local ratios, head = {}, { "metric" }
    for _, c in ipairs(clients) do head[#head + 1] = CLIENT_NAMES[c] end
    for _, c in ipairs(clients) do ratios[#ratios + 1] = RATIO_OF[c] end
    for _, rt in ipairs(ratios) do head[#head + 1] = rt[3] end
    head[#head + 1] = "samples"
    say("| " .. table.concat(head, " | ") .. " |")
    say("|" .. ("---|"):rep(#head))
    local metrics = {}
    for _, o in ipairs(order) do if o[1] == sc.id then metrics[#metrics + 1] = o[2] end end
    for _, m in ipairs(metrics) do
      local meta = METRICS[m] or { "", "lower" }
      local unit = meta[2] == "" and meta[1] or ("%s, %s is better"):format(meta[1], meta[2])
      local cells, med, n = {}, {}, 0
      for _, c in ipairs(clients) do
        local list = per[m][c] or {}
        med[c] = pct(list, 50)
        n = math.max(n, #list)
        cells[#cells + 1] = med[c] and ("%s (%s)"):format(fmt(med[c]), fmt(pct(list, 90))) or "—"
      end
      local row = { ("%s [%s]"):format(m, unit) }
      for k = 1, #cells do row[#row + 1] = cells[k] end
      for _, rt in ipairs(ratios) do row[#row + 1] = ratio(med[rt[1]], med[rt[2]]) end
      row[#row + 1] = tostring(n)
      say("| " .. table.concat(row, " | ") .. " |")
    end
  end
end

-- The null set: medians against the goals of issue 12.
local function med(s, m, c) return data[s] and data[s][m] and data[s][m][c] and pct(data[s][m][c], 50) end
if (only == nil or only == "null") and data.null_stream_cb then
  local mib = tonumber(os.getenv("NULL_STREAM_MIB") or "")
  local file_mib = tonumber(os.getenv("NULL_FILE_MIB") or "")
  local file_size = file_mib and (" (%d MiB)"):format(file_mib) or ""
  local rows = {}
  local function goal(what, value, target, ok)
    local verdict = (value == nil) and "—" or (ok and "met" or "not met")
    rows[#rows + 1] = ("| %s | %s | %s | %s |"):format(what, value and fmt(value) or "—", target, verdict)
  end
  local function r(a, b) return a and b and b ~= 0 and a / b or nil end
  local v = med("null_stream_cb", "MBps", "lua")
  goal("N1 stream through `on_stdout`: lua-e2b MB/s", v, "≥ 300", v and v >= 300)
  v = r(med("null_stream_cb", "MBps", "lua"), med("null_stream_cb", "MBps", "js"))
  goal("N1 … lua-e2b / JS SDK (×)", v, "≥ 8", v and v >= 8)
  v = r(med("null_stream_cb", "MBps", "lua"), med("null_stream_cb", "MBps", "floor"))
  goal("N1 … lua-e2b / C floor (×)", v, "≥ 0.5", v and v >= 0.5)
  v = med("null_stream_cb", "cpu_s_per_GB", "lua")
  goal("N1 … lua-e2b client CPU (s per GB)", v, "≤ 3", v and v <= 3)
  if mib then
    v = r(med("null_stream_keep", "rss_MiB", "lua"), mib)
    goal(("N2 output kept: lua-e2b peak RSS / kept size (%d MiB) (×)"):format(mib), v, "≤ 1.3", v and v <= 1.3)
    local kept = med("null_stream_cb", "kept", "lua")
    v = med("null_stream_cb", "rss_MiB", "lua")
    goal(("N1 opt-out (`keep_output = false`): lua-e2b peak RSS (MiB, %d MiB streamed)"):format(mib), kept == 0 and v or nil,
      "flat (≤ 32 MiB)", kept == 0 and v and v <= 32)
  end
  -- N3 and N4 for lua-e2b, and the same two for it on LuaJIT (what Neovim embeds) when the run had it
  local function per_call_goals(c, on)
    for _, g in ipairs({ { "null_seq", "N3", " sequential", "ops/s" }, { "null_par", "N4", " 100 concurrent", "calls/s" } }) do
      local s, id, what, unit = g[1], g[2], g[3], g[4]
      v = med(s, "cpu_us_per_call", c)
      goal(("%s%s: lua-e2b client CPU per call (µs)"):format(id, on or what), v, "≤ 100", v and v <= 100)
      v = r(med(s, "ops_s", c), med(s, "ops_s", "floor"))
      goal(("%s%s … lua-e2b / C floor, %s (×)"):format(id, on or "", unit), v, "≥ 0.5", v and v >= 0.5)
    end
  end
  per_call_goals("lua")
  if med("null_seq", "cpu_us_per_call", "luajit") then per_call_goals("luajit", " on LuaJIT") end
  v = r(med("null_upload", "MBps", "lua"), med("null_upload", "MBps", "floor"))
  goal("N6 upload" .. file_size .. ": lua-e2b / C floor, MB/s (×)", v, "≥ 0.9", v and v >= 0.9)
  v = med("null_upload", "rss_MiB", "lua")
  goal("N6 … lua-e2b peak RSS (MiB)", v, "flat (≤ 32 MiB)", v and v <= 32)
  v = r(med("null_download", "MBps", "lua"), med("null_download", "MBps", "floor"))
  goal("N7 download to a file" .. file_size .. ": lua-e2b / C floor, MB/s (×)", v, "≥ 0.9", v and v >= 0.9)
  v = med("null_download", "rss_MiB", "lua")
  goal("N7 … lua-e2b peak RSS (MiB)", v, "flat (≤ 32 MiB)", v and v <= 32)
  v = med("null_require", "require_ms", "lua")
  goal("N5 `require(\"e2b\")` (ms)", v, "≤ 5", v and v <= 5)
  v = med("null_require", "ready_ms", "lua")
  -- information, not a goal of issue 12: require is lazy, so this is where its cost went
  rows[#rows + 1] = ("| N5 … ready for a first call: require + `e2b.Sandbox` + what `Sandbox.create` loads, the C core included (ms; information, not a goal) | %s | — | info |")
    :format(v and fmt(v) or "—")
  say()
  say("#### Against the goals of issue 12 (medians)")
  say()
  say("| goal | measured | target | |")
  say("|---|---|---|---|")
  for _, row in ipairs(rows) do say(row) end
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
