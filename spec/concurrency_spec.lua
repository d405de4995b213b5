-- e2b.async against the emulator: overlapping I/O on one client, exact callbacks, cancelling,
-- forced GC during streams.
local e2e = require("spec.support.e2e")
local e2b = require("e2b")
local async = e2b.async
local core = require("e2b.core")

local function transport() return require("e2b.transport").shared({}) end

-- Wait (running the scheduler) until no request is in flight on the shared client.
local function settle()
  local deadline = core.now_ms() + 3000
  while transport().client:active() > 0 and core.now_ms() < deadline do async.sleep(0.02) end
  return transport().client:active()
end

describe("e2b.async end to end", function()
  it("runs 50 commands across 5 sandboxes in about the time of the slowest", function()
    e2e.require_emulator()
    local boxes = {}
    local creators = {}
    for i = 1, 5 do creators[i] = async.spawn(function() return e2e.sandbox(finally) end) end
    boxes = async.all(creators)
    local t0 = core.now_ms()
    local list = {}
    for i = 1, 50 do
      local sbx = boxes[(i - 1) % 5 + 1]
      list[i] = async.spawn(function()
        return sbx.commands:run("sleep 1; echo " .. i).stdout
      end)
    end
    local out = async.all(list)
    local ms = core.now_ms() - t0
    for i = 1, 50 do assert.are.equal(i .. "\n", out[i]) end
    -- sequentially this is over 50 s; overlapped, the slowest command plus process start-up on 2 cores
    assert.is_true(ms < 15000, "50 concurrent 1 s commands took " .. ms .. " ms")
    assert.are.equal(0, settle())
  end)

  it("delivers every stream's callbacks exactly, in order, while callbacks yield and GC runs", function()
    local sbx = e2e.sandbox(finally)
    local seen, list = {}, {}
    for s = 1, 6 do
      seen[s] = { out = {}, err = {} }
      list[s] = async.spawn(function()
        local r = sbx.commands:run(
          "for i in 1 2 3 4 5; do echo " .. s .. "-$i; echo e$i >&2; sleep 0.25; done",
          { on_stdout = function(d)
              seen[s].out[#seen[s].out + 1] = d
              collectgarbage()
              async.sleep(0.01)          -- a callback may yield
            end,
            on_stderr = function(d) seen[s].err[#seen[s].err + 1] = d coroutine.yield() end })
        return r
      end)
    end
    local results = async.all(list)
    for s = 1, 6 do
      local want_out, want_err = {}, {}
      for i = 1, 5 do want_out[i] = s .. "-" .. i .. "\n" want_err[i] = "e" .. i .. "\n" end
      assert.are.equal(table.concat(want_out), table.concat(seen[s].out))
      assert.are.equal(table.concat(want_err), table.concat(seen[s].err))
      assert.are.equal(table.concat(want_out), results[s].stdout)
      assert.are.equal(0, results[s].exit_code)
      -- one write per 250 ms: usually one callback each, but on a loaded machine the sandbox's
      -- pipe can hold two writes when it is read, so only "at most one per write" is exact
      assert.is_true(#seen[s].out >= 1 and #seen[s].out <= 5, #seen[s].out .. " stdout callbacks")
      assert.is_true(#seen[s].err >= 1 and #seen[s].err <= 5, #seen[s].err .. " stderr callbacks")
    end
    collectgarbage()
    assert.are.equal(0, settle())
  end)

  it("cancels a running command stream: the task ends, nothing stays in flight", function()
    local sbx = e2e.sandbox(finally)
    local chunks = 0
    local t = async.spawn(function()
      sbx.commands:run("while true; do echo tick; sleep 0.05; done", { on_stdout = function() chunks = chunks + 1 end })
    end)
    async.sleep(0.5)
    assert.is_true(chunks > 0)
    local t0 = core.now_ms()
    assert.is_true(t:cancel())
    local ok, e = pcall(t.wait, t)
    assert.is_false(ok)
    assert.are.equal("canceled", e.kind)
    assert.are.equal("canceled", t:state())
    assert.is_true(core.now_ms() - t0 < 1000)
    local before = chunks
    assert.are.equal(0, settle())
    async.sleep(0.2)
    assert.are.equal(before, chunks)
    collectgarbage() collectgarbage()
    -- the client still works after the cancel
    assert.are.equal("ok\n", sbx.commands:run("echo ok").stdout)
  end)

  it("cancels a download in progress and a task waiting on a download stream", function()
    local sbx = e2e.sandbox(finally)
    sbx.commands:run("head -c 4000000 /dev/zero > /home/user/big.bin")
    local got = 0
    local t = async.spawn(function()
      for chunk in sbx.files:read("/home/user/big.bin", { format = "stream" }) do
        got = got + #chunk
        async.sleep(0.05)          -- a slow consumer: the core pauses the transfer meanwhile
      end
      return got
    end)
    async.sleep(0.3)
    t:cancel()
    assert.has_error(function() t:wait() end)
    assert.is_true(got > 0 and got < 4000000, "read " .. got)
    assert.are.equal(0, settle())
    -- an uncanceled one in parallel with commands completes in full
    local d = async.spawn(function() return #sbx.files:read("/home/user/big.bin") end)
    local c = async.spawn(function() return sbx.commands:run("echo x").stdout end)
    assert.are.same({ 4000000, "x\n" }, async.all({ d, c }))
  end)

  it("blocks as before outside tasks", function()
    local sbx = e2e.sandbox(finally)
    assert.are.equal(0, async.live())
    assert.are.equal("plain\n", sbx.commands:run("echo plain").stdout)
  end)
end)
