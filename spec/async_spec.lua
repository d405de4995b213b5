-- e2b.async without the network: tasks, results, errors, waiting, cancelling, sleeping.
local async = require("e2b.async")
local errors = require("e2b.errors")
local core = require("e2b.core")

local function elapsed(fn)
  local t = core.now_ms()
  fn()
  return core.now_ms() - t
end

describe("e2b.async (tasks)", function()
  it("runs tasks and returns every result, nil holes included", function()
    local t = async.spawn(function(a, b) return a + b, nil, "x" end, 1, 2)
    assert.are.equal("running", t:state())
    local a, b, c = t:wait()
    assert.are.same({ 3, nil, "x" }, { a, b, c })
    assert.are.equal("done", t:state())
    assert.are.equal(0, async.live())
    assert.matches("^e2b.async.Task%(done%)$", tostring(t))
  end)

  it("passes a task exactly the arguments it was spawned with (none is none; nils count)", function()
    local function count(...) return select("#", ...), ... end
    assert.are.same({ 0 }, { async.spawn(count):wait() })
    assert.are.same({ 3, nil, 2, nil }, { async.spawn(count, nil, 2, nil):wait() })
  end)

  it("overlaps sleeps: ten 200 ms sleeps take about 200 ms", function()
    local ms = elapsed(function()
      local list = {}
      for i = 1, 10 do list[i] = async.spawn(function() async.sleep(0.2) return i end) end
      assert.are.same({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, async.all(list))
    end)
    assert.is_true(ms >= 190 and ms < 600, "took " .. ms .. " ms")
  end)

  it("passes a task's error to its waiter with the task's traceback", function()
    local function inner() error(errors.NotFoundError:new("gone", { status = 404 })) end
    local t = async.spawn(function() async.sleep(0.01) inner() end)
    local ok, e = pcall(t.wait, t)
    assert.is_false(ok)
    assert.is_true(errors.is(e, errors.NotFoundError))
    assert.are.equal("gone", e.message)
    assert.matches("inner", e.traceback)
    assert.are.equal("failed", t:state())
    local t2 = async.spawn(function() local x = nil; return x.field end)
    local ok2, e2 = pcall(async.wait, t2)
    assert.is_false(ok2)
    assert.matches("attempt to index", e2)
    assert.matches("e2b.async task", e2)
  end)

  it("gather reports each outcome; all raises the first error and cancels the rest", function()
    local ok1 = async.spawn(function() return 1, 2 end)
    local bad = async.spawn(function() error("boom", 0) end)
    local res = async.gather({ ok1, bad })
    assert.are.same({ ok = true, n = 2, 1, 2 }, res[1])
    assert.is_false(res[2].ok)
    assert.matches("^boom", res[2].error)
    local slow = async.spawn(function() async.sleep(5) return "late" end)
    local fails = async.spawn(function() async.sleep(0.01) error("first", 0) end)
    local ms = elapsed(function()
      local ok, e = pcall(async.all, { fails, slow })
      assert.is_false(ok)
      assert.matches("^first", e)
    end)
    assert.is_true(ms < 1000, "all waited for the slow task: " .. ms .. " ms")
    assert.are.equal("canceled", slow:state())
    assert.has_error(function() async.all({ slow, 3 }) end)
  end)

  it("cancels a task that has not started, one that sleeps, and ignores finished ones", function()
    local ran = false
    local t = async.spawn(function() ran = true end)
    assert.is_true(t:cancel())
    local ok, e = pcall(t.wait, t)
    assert.is_false(ok)
    assert.are.equal("canceled", e.kind)
    assert.is_false(ran)
    local after = false
    local s = async.spawn(function() async.sleep(10) after = true end)
    async.spawn(function() async.sleep(0.05) s:cancel() end)
    local ms = elapsed(function() assert.has_error(function() s:wait() end) end)
    assert.is_true(ms < 1000)
    assert.is_false(after)
    assert.are.equal("canceled", s:state())
    assert.is_false(s:cancel())
    assert.are.equal(0, async.live())
  end)

  it("lets tasks wait on tasks, and bounds a wait with a timeout", function()
    local a = async.spawn(function() async.sleep(0.05) return "a" end)
    local b = async.spawn(function() return a:wait() .. "b" end)
    assert.are.equal("ab", b:wait())
    local slow = async.spawn(function() async.sleep(0.3) return 1 end)
    local ok, e = pcall(slow.wait, slow, 0.05)
    assert.is_false(ok)
    assert.is_true(errors.is(e, errors.TimeoutError))
    assert.are.equal(1, slow:wait())
    local me
    me = async.spawn(function() return pcall(me.wait, me) end)
    local okself, eself = me:wait()
    assert.is_false(okself)
    assert.matches("cannot wait on itself", eself.message)
  end)

  it("treats a plain coroutine.yield inside a task as letting the others run", function()
    local order = {}
    local a = async.spawn(function() order[#order + 1] = "a1" coroutine.yield() order[#order + 1] = "a2" end)
    local b = async.spawn(function() order[#order + 1] = "b1" async.yield() order[#order + 1] = "b2" end)
    async.gather({ a, b })
    assert.are.same({ "a1", "b1", "a2", "b2" }, order)
  end)

  it("rejects bad arguments with specific messages", function()
    assert.matches("function expected, got number", select(2, pcall(async.spawn, 3)).message)
    assert.matches("seconds >= 0", select(2, pcall(async.sleep, -1)).message)
    local t = async.spawn(function() end)
    assert.matches("'timeout' must be a finite number of seconds", select(2, pcall(t.wait, t, "1")).message)
    t:wait()
  end)
end)

describe("e2b.async.pcall", function()
  it("lets tasks yield through a protected call on every Lua version", function()
    local t0 = core.now_ms()
    local list = {}
    for i = 1, 5 do
      list[i] = async.spawn(function()
        local ok, v = async.pcall(function(x) async.sleep(0.2) return x * 2 end, i)
        local ok2, e = async.pcall(function() async.sleep(0.01) error("inner", 0) end)
        return { ok, v, ok2, e }
      end)
    end
    local res = async.all(list)
    for i = 1, 5 do assert.are.same({ true, i * 2, false, "inner" }, res[i]) end
    local ms = core.now_ms() - t0
    assert.is_true(ms < 600, "protected sleeps did not overlap: " .. ms .. " ms")
    assert.are.same({ false, "x" }, { async.pcall(error, "x", 0) })
  end)
end)
