-- e2b.adapters.luv on a plain luv loop against the emulator: tasks run while the loop turns
-- (nobody waits on them), a uv timer keeps firing on time while a command streams, deadlines
-- fire from the loop, cancelling leaves nothing in flight and no handle open.
local e2e = require("spec.support.e2e")
local e2b = require("e2b")
local async = e2b.async
local ok_uv, uv = pcall(require, "luv")

local function transport() return require("e2b.transport").shared({}) end

local adapter = require("e2b.adapters.luv")

-- Turn the loop until pred() or `secs` passed.
local function turn_until(pred, secs)
  local t = uv.new_timer()
  local stop = uv.now() + secs * 1000
  t:start(20, 20, function() end)      -- bounds each turn
  while not pred() and uv.now() < stop do uv.run("once") end
  t:stop()
  t:close()
  return pred()
end

describe("e2b.adapters.luv", function()
  local driver
  before_each(function()
    assert(ok_uv, "lua-luv is not installed (scripts/setup.sh installs it): " .. tostring(uv))
    driver = adapter.install({ uv = uv })
  end)
  after_each(function()
    if driver then driver:uninstall() end
    driver = nil
  end)

  it("rejects bad options with a clear message", function()
    assert.has_error(function() adapter.install({}) end,
      "e2b.adapters.luv.install: option 'uv' must be the luv module (require('luv') or vim.uv)")
    assert.has_error(function() adapter.install({ uv = uv, shedule = print }) end,
      "e2b.adapters.luv.install: unknown option 'shedule'")
    assert.are.equal(driver.driver, async.driver)   -- the failed installs left ours in place
  end)

  it("runs tasks while the loop turns, without anyone waiting on them", function()
    local sbx = e2e.sandbox(finally)
    local results = {}
    for i = 1, 3 do
      async.spawn(function()
        results[i] = sbx.commands:run("sleep 0.5; echo " .. i).stdout
      end)
    end
    local t0 = uv.now()
    assert.is_true(turn_until(function() return results[1] ~= nil and results[2] ~= nil and results[3] ~= nil end, 20))
    assert.are.same({ "1\n", "2\n", "3\n" }, results)
    assert.is_true(uv.now() - t0 < 3000, "overlapped: " .. (uv.now() - t0) .. " ms")
    assert.are.equal(0, transport().client:active())
    assert.is_true(turn_until(function() return driver:stats().clients == 0 end, 2))
  end)

  it("keeps a uv timer firing on time while a command streams", function()
    local sbx = e2e.sandbox(finally)
    local ticks, chunks = {}, {}
    local tick = uv.new_timer()
    tick:start(20, 20, function() ticks[#ticks + 1] = uv.now() end)
    local task = async.spawn(function()
      return sbx.commands:run("for i in $(seq 1 25); do echo $i; sleep 0.1; done",
        { on_stdout = function(d) chunks[#chunks + 1] = { uv.now(), d } end })
    end)
    local res = task:wait(30)                 -- waits by turning the loop (driver.wait)
    tick:stop()
    tick:close()
    assert.are.equal(25, select(2, res.stdout:gsub("\n", "")))
    local first = chunks[1][1]
    local maxgap, n = 0, 0
    for i = 2, #ticks do
      if ticks[i] > first then n = n + 1 maxgap = math.max(maxgap, ticks[i] - ticks[i - 1]) end
    end
    assert.is_true(n >= 60, n .. " ticks while streaming")
    assert.is_true(maxgap < 150, "max gap between 20 ms ticks: " .. maxgap .. " ms")
    assert.is_true(#chunks >= 10, "output arrived in " .. #chunks .. " chunks")
    assert.is_true(chunks[#chunks][1] - first >= 2000, "output spread over the run")
  end)

  it("wakes a sleeping task from the loop at its deadline", function()
    local woke
    local t0 = uv.now()
    async.spawn(function() async.sleep(0.3) woke = uv.now() end)
    assert.is_true(turn_until(function() return woke ~= nil end, 5))
    assert.is_true(woke - t0 >= 290 and woke - t0 < 600, "woke after " .. (woke - t0) .. " ms")
  end)

  it("cancels a streaming task: nothing in flight, no handle left", function()
    local sbx = e2e.sandbox(finally)
    local got = 0
    local task = async.spawn(function()
      sbx.commands:run("while true; do echo x; sleep 0.05; done",
        { timeout = 0, on_stdout = function() got = got + 1 end })
    end)
    assert.is_true(turn_until(function() return got >= 3 end, 20), "no output before cancel")
    assert.is_true(task:cancel())
    assert.is_true(turn_until(function() return task:state() ~= "running" end, 5))
    assert.are.equal("canceled", task:state())
    assert.are.equal(0, transport().client:active())
    local seen = got
    turn_until(function() return false end, 0.3)
    assert.are.equal(seen, got)
    assert.are.same({ clients = 0, polls = 0 }, driver:stats())
  end)

  it("an SDK call outside tasks keeps the loop turning", function()
    local sbx = e2e.sandbox(finally)
    local ticks = 0
    local tick = uv.new_timer()
    tick:start(20, 20, function() ticks = ticks + 1 end)
    local r = sbx.commands:run("sleep 0.5; echo done")
    tick:stop()
    tick:close()
    assert.are.equal("done\n", r.stdout)
    assert.is_true(ticks >= 15, ticks .. " ticks during a blocking-style call")
  end)

  it("background streams deliver while the loop turns and a task runs other calls", function()
    local sbx = e2e.sandbox(finally)
    sbx.files:make_dir("/home/user/lw")
    local out, events, term = {}, {}, {}
    local h = sbx.commands:run("for i in 1 2 3 4 5; do echo bg$i; sleep 0.1; done",
      { background = true, on_stdout = function(s) out[#out + 1] = s end })
    local w = sbx.files:watch_dir("/home/user/lw", function(ev) events[#events + 1] = ev.name end, { timeout = 30 })
    local p = sbx.pty:create({ on_data = function(d) term[#term + 1] = d end, timeout = 30 })
    local calls, stop = 0, false
    local busy = async.spawn(function()
      sbx.files:write("/home/user/lw/seen.txt", "x")
      sbx.pty:send_input(p.pid, "echo luv-$((6*7))\n")
      while not stop do sbx.commands:run("true") calls = calls + 1 end
    end)
    local function all_seen()
      return table.concat(out) == "bg1\nbg2\nbg3\nbg4\nbg5\n" and events[1] == "seen.txt"
        and table.concat(term):find("luv-42", 1, true) ~= nil
    end
    local ok = turn_until(all_seen, 20)
    stop = true
    busy:wait(10)
    assert.is_true(ok, ("stdout %q, events %s, pty %q"):format(table.concat(out), table.concat(events, ","), table.concat(term)))
    assert.is_true(calls >= 1)
    assert.are.equal("bg1\nbg2\nbg3\nbg4\nbg5\n", h:wait().stdout)
    w:stop()
    sbx.pty:kill(p.pid)
    assert.is_true(turn_until(function() return transport().client:active() == 0 end, 5))
  end)

  it("a raising background callback reaches the handle's wait, not the loop; disconnect stops delivery", function()
    local sbx = e2e.sandbox(finally)
    local loop_errors = {}
    driver.on_error = function(err) loop_errors[#loop_errors + 1] = err end
    local raised = false
    local h = sbx.commands:run("echo a; sleep 0.2; echo b", { background = true,
      on_stdout = function() raised = true error("boom from on_stdout", 0) end })
    assert.is_true(turn_until(function() return raised end, 10))
    local ok, err = pcall(h.wait, h)
    assert.is_false(ok)
    assert.are.equal("boom from on_stdout", err)
    assert.are.equal("a\nb\n", h:wait().stdout)
    assert.are.same({}, loop_errors)
    local got = {}
    local d = sbx.commands:run("echo first; sleep 0.5; echo second; sleep 30", { background = true,
      timeout = 60, on_stdout = function(s) got[#got + 1] = s end })
    assert.is_true(turn_until(function() return #got > 0 end, 10))
    d:disconnect()
    turn_until(function() return false end, 1)
    assert.are.equal("first\n", table.concat(got))
    assert.is_true(sbx.commands:kill(d.pid))   -- still running
  end)

  it("uninstall restores the default scheduler", function()
    driver:uninstall()
    driver = nil
    assert.is_nil(async.driver)
  end)
end)
