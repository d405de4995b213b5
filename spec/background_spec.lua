-- Background streams make progress on their own (issue 11), end to end against the emulator:
-- background command handles, PTYs and watches are drained whenever the SDK waits for anything,
-- their callbacks run then; a handle nobody reads never stalls and keeps a bounded result; a
-- raising callback surfaces at the handle's next wait/events; disconnect stops delivery;
-- e2b.poll() drains for scripts with their own loop.
local e2e = require("spec.support.e2e")
local e2b = require("e2b")
local core = require("e2b.core")
local Commands = require("e2b.commands")
local background = require("e2b.background")

-- Run other SDK calls (never touching the stream under test) until pred() or `secs` passed.
local function other_calls_until(sbx, pred, secs)
  local stop = core.now_ms() + secs * 1000
  local calls = 0
  while not pred() and core.now_ms() < stop do
    sbx.files:write("/tmp/other.txt", "x")
    calls = calls + 1
  end
  return pred(), calls
end

local function rss_kb()
  local f = assert(io.open("/proc/self/status"))
  local s = f:read("*a")
  f:close()
  return tonumber(s:match("VmRSS:%s*(%d+)"))
end

local u = require("spec.support.unit")
local b64 = require("e2b.envd").b64encode
local function data(s) return { event = { data = { stdout = b64(s) } } } end
local START = { event = { start = { pid = 7 } } }
local END = { event = { ["end"] = { exited = true, status = "exit status 0" } } }

describe("background streams (unit)", function()
  it("a background handle keeps the last MAX_OUTPUT bytes and events; a foreground run keeps all", function()
    local sbx, fake = u.sandbox()
    fake:on("POST /process.Process/Start", function() return { START, data("aaaa"), data("bbbb"), data("cc"), END } end)
    local saved = Commands.MAX_OUTPUT
    finally(function() Commands.MAX_OUTPUT = saved end)
    Commands.MAX_OUTPUT = 5
    assert.are.same({ stdout = "aaaabbbbcc", stderr = "", exit_code = 0 }, sbx.commands:run("x"))
    local got = {}
    local h = sbx.commands:run("x", { background = true, on_stdout = function(s) got[#got + 1] = s end })
    assert.are.same({ stdout = "bbbcc", stderr = "", exit_code = 0, truncated = true }, h:wait())
    assert.are.same({ "aaaa", "bbbb", "cc" }, got)   -- callbacks see everything
    local h2 = sbx.commands:run("x", { background = true })
    e2b.poll()                                       -- drained before anyone pulls
    local seen = {}
    for ev in h2:events() do seen[#seen + 1] = ev.data or ev.type end
    assert.are.same({ "cc", "exit" }, seen)          -- the oldest events went past the bound
    assert.are.equal(2, h2.dropped_events)
  end)

  it("a foreground run's raising callback ends that run and closes its stream; a background one waits for wait()", function()
    local sbx, fake = u.sandbox()
    fake:on("POST /process.Process/Start", function() return { START, data("a"), data("b"), END } end)
    local calls = 0
    local function boom() calls = calls + 1 error("boom", 0) end
    local ok, err = pcall(sbx.commands.run, sbx.commands, "x", { on_stdout = boom })
    assert.are.same({ false, "boom", 1 }, { ok, err, calls })
    assert.is_true(fake.streams[1].closed)
    local h = sbx.commands:run("x", { background = true, on_stdout = boom })
    e2b.poll()
    assert.are.equal(2, calls)                        -- called once, then no more
    ok, err = pcall(h.wait, h)
    assert.are.same({ false, "boom" }, { ok, err })
    assert.are.same({ stdout = "ab", stderr = "", exit_code = 0 }, h:wait())
  end)
end)

describe("background streams (end to end)", function()
  before_each(function() e2e.require_emulator() end)

  it("a background command's on_stdout fires while other calls run, in order", function()
    local sbx = e2e.sandbox(finally)
    local got = {}
    local h = sbx.commands:run("for i in 1 2 3 4 5; do echo line$i; sleep 0.1; done",
      { background = true, on_stdout = function(s) got[#got + 1] = s end })
    local ok, calls = other_calls_until(sbx, function() return table.concat(got):find("line5\n", 1, true) ~= nil end, 20)
    assert.is_true(ok, "on_stdout saw only: " .. table.concat(got))
    assert.is_true(calls >= 2)
    assert.are.equal("line1\nline2\nline3\nline4\nline5\n", table.concat(got))
    -- the pull APIs still see everything, once
    local seen = {}
    for ev in h:events() do seen[#seen + 1] = ev.type == "exit" and "exit" or ev.data end
    assert.are.equal("exit", seen[#seen])
    assert.are.equal("line1\nline2\nline3\nline4\nline5\n", table.concat(seen, "", 1, #seen - 1))
    assert.is_nil(h:events()())
    assert.are.equal("line1\nline2\nline3\nline4\nline5\n", h:wait().stdout)
  end)

  it("inside e2b.async, each scheduler turn delivers (async.sleep, other tasks' calls)", function()
    local sbx = e2e.sandbox(finally)
    local got, order = {}, {}
    e2b.async.run(function()
      local h = sbx.commands:run("echo t1; sleep 0.3; echo t2", { background = true,
        on_stdout = function(s) got[#got + 1] = s order[#order + 1] = "cb" end })
      local other = e2b.async.spawn(function()
        for _ = 1, 3 do sbx.files:write("/tmp/t.txt", "x") order[#order + 1] = "call" end
      end)
      local stop = core.now_ms() + 10000
      while table.concat(got) ~= "t1\nt2\n" and core.now_ms() < stop do e2b.async.sleep(0.05) end
      other:wait()
      assert.are.equal(0, h:wait().exit_code)
    end)
    assert.are.equal("t1\nt2\n", table.concat(got))
    assert.is_true(#order >= 5)
  end)

  it("a callback may call the SDK (it runs in a task and yields)", function()
    local sbx = e2e.sandbox(finally)
    local copies = 0
    local h = sbx.commands:run("echo a; sleep 0.2; echo b", { background = true, on_stdout = function(s)
      sbx.files:write("/tmp/copy-" .. s:gsub("%s", ""), s)
      copies = copies + 1
    end })
    assert.is_true(other_calls_until(sbx, function() return copies == 2 end, 20))
    h:wait()
    assert.are.equal("b\n", sbx.files:read("/tmp/copy-b"))
  end)

  it("a watch's on_event fires while other calls run", function()
    local sbx = e2e.sandbox(finally)
    sbx.files:make_dir("/home/user/bw")
    local names = {}
    local h = sbx.files:watch_dir("/home/user/bw", function(ev) names[#names + 1] = ev.type .. " " .. ev.name end,
      { timeout = 30 })
    sbx.files:write("/home/user/bw/one.txt", "1")
    local ok = other_calls_until(sbx, function()
      for _, n in ipairs(names) do if n == "create one.txt" then return true end end
      return false
    end, 20)
    assert.is_true(ok, "on_event saw: " .. table.concat(names, ", "))
    -- events() still gets each event once, from the start
    local first = h:next()
    assert.are.same({ "create", "one.txt" }, { first.type, first.name })
    sbx.files:write("/home/user/bw/two.txt", "2")
    h:stop()
    assert.is_nil(h:next())   -- stopped: what was not pulled is dropped
  end)

  it("a PTY's on_data fires while other calls run", function()
    local sbx = e2e.sandbox(finally)
    local out = {}
    local h = sbx.pty:create({ on_data = function(d) out[#out + 1] = d end, timeout = 30 })
    sbx.pty:send_input(h.pid, "echo pty-$((6*7))\n")
    assert.is_true(other_calls_until(sbx, function() return table.concat(out):find("pty-42", 1, true) ~= nil end, 20),
      "on_data saw: " .. table.concat(out))
    sbx.pty:send_input(h.pid, "exit\n")
    assert.are.equal(0, h:wait().exit_code)
  end)

  it("a background command printing 100 MB nobody reads finishes while other calls run, memory flat", function()
    local sbx = e2e.sandbox(finally)
    collectgarbage()
    local before = rss_kb()
    local peak, half = before, before   -- the peak overall and over the first 50 MB
    local bytes = 0
    -- seq: no two chunks alike (5.1 and LuaJIT intern equal strings, which would hide the memory)
    local h = sbx.commands:run("seq 1 20000000 | head -c 100000000; echo end >&2",
      { background = true, timeout = 300, on_stdout = function(s)
        local mark = math.floor(bytes / 4000000)
        bytes = bytes + #s
        if math.floor(bytes / 4000000) ~= mark then                 -- every 4 MB
          -- a full cycle first: 5.2/5.3's incremental collector paces itself on the heap it
          -- has, so garbage chunks would count as growth; what is measured is what stays live
          collectgarbage()
          local now = rss_kb()
          peak = math.max(peak, now)
          if bytes <= 50000000 then half = math.max(half, now) end
        end
      end })
    local function gone()
      peak = math.max(peak, rss_kb())
      for _, p in ipairs(sbx.commands:list()) do if p.pid == h.pid then return false end end
      return bytes == 100000000
    end
    local stop, done = core.now_ms() + 240000, false
    while not done and core.now_ms() < stop do
      sbx.commands:run("true")
      done = gone()
    end
    assert.is_true(done, "only " .. bytes .. " bytes delivered")
    local r = h:wait()
    assert.are.equal(100000000, bytes)
    assert.is_true(r.truncated)
    assert.are.equal(Commands.MAX_OUTPUT, #r.stdout)
    local a, b = r.stdout:sub(-64):match("\n(%d+)\n(%d+)\n%d*$")
    assert.are.equal(tonumber(a) + 1, tonumber(b))   -- the newest output is what was kept
    assert.are.equal("end\n", r.stderr)
    assert.is_true(h.dropped_events > 0)
    local growth_mb = (peak - before) / 1024
    print(("\n  100 MB unread: RSS %.0f MB -> %.0f MB after 50 MB -> peak %.0f MB (+%.0f MB)"):format(
      before / 1024, half / 1024, peak / 1024, growth_mb))
    assert.is_true(growth_mb < 3 * Commands.MAX_OUTPUT / 1048576 + 40, "RSS grew by " .. growth_mb .. " MB")
    -- flat: the second 50 MB add (next to) nothing to what the first 50 MB took
    assert.is_true(peak - half < 16 * 1024, ("RSS %.0f MB after 50 MB, %.0f MB after 100 MB"):format(half / 1024, peak / 1024))
  end)

  it("a raising callback does not hijack the waiting call; it raises at the handle's next wait/events", function()
    local sbx = e2e.sandbox(finally)
    local calls = 0
    local h = sbx.commands:run("echo a; echo b; sleep 0.3; echo c", { background = true, on_stdout = function()
      calls = calls + 1
      error("boom in on_stdout", 0)
    end })
    -- the unrelated calls go on unharmed while the callback raises
    assert.is_true(other_calls_until(sbx, function() return calls > 0 end, 20))
    sbx.commands:run("sleep 0.5")
    assert.are.equal(1, calls)   -- not called again after it raised
    local ok, err = pcall(h.wait, h)
    assert.is_false(ok)
    assert.are.equal("boom in on_stdout", err)
    local r = h:wait()           -- once: the result is there on the next call
    assert.are.equal("a\nb\nc\n", r.stdout)

    local w = sbx.files:watch_dir("/tmp", function() error({ mine = true }) end, { timeout = 20 })
    sbx.files:write("/tmp/raise.txt", "x")
    local ok2, err2 = false, nil
    local stop = core.now_ms() + 10000
    while core.now_ms() < stop do
      sbx.files:write("/tmp/other.txt", "x")
      ok2, err2 = pcall(w.next, w)
      if not ok2 then break end
    end
    assert.is_false(ok2)
    assert.is_true(err2.mine)
    w:stop()
  end)

  it("disconnect stops delivery; the process keeps running", function()
    local sbx = e2e.sandbox(finally)
    local got = {}
    local h = sbx.commands:run("echo first; sleep 1; echo second; sleep 30", { background = true, timeout = 60,
      on_stdout = function(s) got[#got + 1] = s end })
    assert.is_true(other_calls_until(sbx, function() return #got > 0 end, 20))
    local open = background.count()
    h:disconnect()
    sbx.commands:run("sleep 1.5")
    assert.are.equal(open - 1, background.count())
    assert.are.equal("first\n", table.concat(got))
    local listed = false
    for _, p in ipairs(sbx.commands:list()) do if p.pid == h.pid then listed = true end end
    assert.is_true(listed)
    assert.matches("disconnected", select(2, pcall(h.wait, h)).message)
    sbx.commands:kill(h.pid)
  end)

  it("e2b.poll() drains without blocking for a script with its own loop", function()
    local sbx = e2e.sandbox(finally)
    local got = {}
    local h = sbx.commands:run("echo p1; sleep 1; echo p2", { background = true,
      on_stdout = function(s) got[#got + 1] = s end })
    -- nothing drains between SDK calls: the callback waits for the script's next call
    core.sleep_ms(500)
    assert.are.equal(0, #got)
    local stop, polls = core.now_ms() + 10000, 0
    while table.concat(got) ~= "p1\np2\n" and core.now_ms() < stop do
      local t0 = core.now_ms()
      assert.is_true(e2b.poll() >= 0)
      assert.is_true(core.now_ms() - t0 < 100, "poll blocked")
      polls = polls + 1
      core.sleep_ms(10)   -- the script's own work
    end
    assert.are.equal("p1\np2\n", table.concat(got))
    assert.is_true(polls > 1)
    assert.are.equal(0, h:wait().exit_code)
    assert.are.equal(0, e2b.poll())   -- no stream open any more
  end)
end)
