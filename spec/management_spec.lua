-- The management calls on Sandbox (refresh, list_metrics, snapshots, fork, events), e2b.health
-- and e2b.team, end to end against the emulator, plus what is checked before any request.
local F = require("spec.support.fake_transport")
local u = require("spec.support.unit")
local e2e = require("spec.support.e2e")
local e2b = require("e2b")
local safe = require("e2b.safe")
local Sandbox = e2b.Sandbox

describe("management (unit)", function()
  it("refuses bad input naming the public argument, before any request", function()
    local sbx, fake = u.sandbox()
    local cases = {
      { function() return sbx:refresh({ duration = 3601 }) end, "Sandbox.refresh: 'duration'" },
      { function() return sbx:refresh({ duraton = 1 }) end, "did you mean 'duration'" },
      { function() return Sandbox.list_metrics({}, u.opts(fake)) end, "Sandbox.list_metrics: argument 'sandbox_ids'" },
      { function() return Sandbox.list_metrics({ "a,b" }, u.opts(fake)) end, "'sandbox_ids'%[1%]" },
      { function() return Sandbox.list_metrics("a", u.opts(fake)) end, "argument 'sandbox_ids' must be table" },
      { function() return sbx:create_snapshot({ name = 1 }) end, "Sandbox:create_snapshot: option 'name'" },
      { function() return Sandbox.list_snapshots(u.opts(fake, { limit = 0 })) end, "Sandbox.list_snapshots: 'limit'" },
      { function() return Sandbox.delete_snapshot(nil, u.opts(fake)) end, "argument 'snapshot_id'" },
      { function() return sbx:fork({ count = 0 }) end, "'count' must be from 1 to 100" },
      { function() return sbx:get_events({ types = { "created" } }) end, "Sandbox:get_events: 'types'%[1%]" },
      { function() return Sandbox.list_events(u.opts(fake, { limit = 101 })) end, "Sandbox.list_events: 'limit'" },
      { function() return e2b.team.get_max_metric(u.opts(fake, { metric = "cpu" })) end, "team.get_max_metric: 'metric'" },
      { function() return e2b.team.get_metrics(u.opts(fake, { team_id = "t", start = -1 })) end, "team.get_metrics: 'start'" },
    }
    for _, c in ipairs(cases) do
      local err = u.raised(c[1])
      assert.are.equal("InvalidArgumentError", err.name)
      assert.matches(c[2], err.message)
    end
    assert.are.equal(0, #fake.requests)
  end)

  it("sends the official SDKs' requests and maps per-fork errors", function()
    local sbx, fake = u.sandbox()
    fake:on("POST /sandboxes/isbx1/fork", function()
      return F.json(201, { { sandbox = { sandboxID = "f1", envdVersion = "0.6.13", envdAccessToken = u.TOKEN } },
        { error = { code = 404, message = "gone" } }, { error = { code = 500, message = "boom" } } })
    end)
    local r = sbx:fork({ count = 3, timeout = 9.5 })
    assert.are.same({ count = 3, timeout = 10 }, F.body(fake.last))
    assert.are.equal("f1", r[1].sandbox_id)
    assert.are.equal("NotFoundError", r[2].name)
    assert.are.equal("404: gone", r[2].message)
    assert.are.equal("SandboxError", r[3].name)
    assert.are.equal(500, r[3].status)
    fake:on("POST /sandboxes/isbx1/snapshots", function() return F.json(201, { snapshotID = "t:default" }) end)
    assert.are.same({ snapshot_id = "t:default", names = {} }, sbx:create_snapshot())
    assert.are.equal("{}", fake.last.body)
    fake:on("GET /events/sandboxes/isbx1", function() return F.json(200, {}) end)
    sbx:get_events({ types = { "sandbox.lifecycle.killed", "sandbox.lifecycle.paused" }, order_asc = true, limit = 5 })
    assert.matches("types=sandbox.lifecycle.killed&types=sandbox.lifecycle.paused&limit=5&orderAsc=true", fake.last.url)
  end)
end)

describe("management (end to end)", function()
  before_each(function() e2e.require_emulator() end)

  it("health is true while the API is up, and raises when it is not", function()
    assert.is_true(e2b.health())
    local ok, err = safe.health({ api_url = "http://127.0.0.1:1", request_timeout = 5 })
    assert.is_nil(ok)
    assert.is_true(e2b.errors.is(err))
  end)

  it("refresh extends the lifetime, never shortens it, and a gone sandbox is not found", function()
    local sbx = e2e.sandbox(finally, { timeout = 20 })
    local before = sbx:get_info().end_at
    sbx:refresh({ duration = 600 })
    local after = sbx:get_info().end_at
    assert.is_true(after > before, after .. " > " .. before)
    Sandbox.refresh(sbx.sandbox_id, { duration = 1 })
    assert.are.equal(after, sbx:get_info().end_at)
    sbx:refresh()
    sbx:kill()
    assert.are.equal("SandboxNotFoundError", u.raised(sbx.refresh, sbx).name)
  end)

  it("list_metrics has an entry per live sandbox", function()
    local a = e2e.sandbox(finally)
    local b = e2e.sandbox(finally)
    local m
    for _ = 1, 50 do
      m = Sandbox.list_metrics({ a.sandbox_id, b.sandbox_id, a.sandbox_id, "nosuchsandbox" })
      if m[a.sandbox_id] and m[b.sandbox_id] then break end
      os.execute("sleep 0.2")
    end
    assert.is_number(m[a.sandbox_id].cpu_count)
    assert.is_number(m[b.sandbox_id].mem_total)
    assert.is_nil(m.nosuchsandbox)
  end)

  it("snapshots: create (the sandbox keeps running), list pages, start from one, delete twice", function()
    local sbx = e2e.sandbox(finally)
    sbx.files:write("/home/user/state.txt", "v1")
    local info = sbx:get_info()
    local snap = sbx:create_snapshot()
    assert.is_string(snap.snapshot_id)
    local named = sbx:create_snapshot({ name = "lua-spec-snap" })
    assert.matches("lua%-spec%-snap", named.snapshot_id)
    assert.matches("lua%-spec%-snap", named.names[1])
    e2e.defer(finally, function() Sandbox.delete_snapshot(snap.snapshot_id); Sandbox.delete_snapshot(named.snapshot_id) end)
    assert.are.equal("v1", sbx.files:read("/home/user/state.txt"))   -- still running, same id
    assert.are.equal(info.end_at, sbx:get_info().end_at)
    -- this sandbox's snapshots, one per page
    local p = sbx:list_snapshots({ limit = 1 })
    local seen = {}
    local pages = 0
    while p.has_next do
      pages = pages + 1
      for _, s in ipairs(p:next_items()) do seen[s.snapshot_id] = true end
      assert(pages < 10)
    end
    assert.is_true(seen[snap.snapshot_id] and seen[named.snapshot_id])
    assert.are.equal(2, pages)
    local by_name = {}
    for s in Sandbox.list_snapshots({ name = "lua-spec-snap" }):iter() do by_name[#by_name + 1] = s.snapshot_id end
    assert.are.same({ named.snapshot_id }, by_name)
    -- start from it: the files at that moment
    sbx.files:write("/home/user/state.txt", "v2")
    local copy = e2e.sandbox(finally, { template = snap.snapshot_id })
    assert.are.equal("v1", copy.files:read("/home/user/state.txt"))
    copy:kill()
    assert.is_true(Sandbox.delete_snapshot(snap.snapshot_id))
    assert.is_false(Sandbox.delete_snapshot(snap.snapshot_id))
    assert.are.equal("SandboxNotFoundError", u.raised(Sandbox.create_snapshot, "nosuchsandbox").name)
  end)

  it("fork: N sandboxes with the source's files; the source keeps running", function()
    local sbx = e2e.sandbox(finally)
    sbx.files:write("/home/user/f.txt", "forked")
    local forks = sbx:fork({ count = 2, timeout = 60 })
    for _, f in ipairs(forks) do if not e2b.errors.is(f) then e2e.defer(finally, function() f:kill() end) end end
    assert.are.equal(2, #forks)
    for _, f in ipairs(forks) do
      assert.is_false(e2b.errors.is(f), tostring(f))
      assert.are_not.equal(sbx.sandbox_id, f.sandbox_id)
      assert.are.equal("forked", f.files:read("/home/user/f.txt"))
    end
    assert.are.equal("ok\n", sbx.commands:run("echo ok").stdout)
    local one = Sandbox.fork(sbx.sandbox_id)
    e2e.defer(finally, function() one[1]:kill() end)
    assert.are.equal(1, #one)
    assert.are.equal("SandboxNotFoundError", u.raised(Sandbox.fork, "nosuchsandbox").name)
    -- the checkpoints are lifecycle events of the source
    local ev = sbx:get_events({ types = { "sandbox.lifecycle.checkpointed" } })
    assert.is_true(#ev >= 2)
  end)

  it("events: created, updated, killed with its reason, with filters and paging", function()
    local sbx = e2e.sandbox(finally)
    sbx:set_timeout(120)
    sbx:kill()
    local all = Sandbox.get_events(sbx.sandbox_id, { order_asc = true })
    local types = {}
    for i, ev in ipairs(all) do
      types[i] = ev.type
      assert.are.equal(sbx.sandbox_id, ev.sandbox_id)
      assert.is_string(ev.id)
      assert.is_string(ev.timestamp)
      assert.is_string(ev.sandbox_team_id)
    end
    assert.are.equal("sandbox.lifecycle.created", types[1])
    assert.are.equal("sandbox.lifecycle.killed", types[#types])
    assert.are.equal("request", all[#all].event_data.kill_reason)
    local killed = Sandbox.get_events(sbx.sandbox_id, { types = { "sandbox.lifecycle.killed" } })
    assert.are.equal(1, #killed)
    local second = Sandbox.get_events(sbx.sandbox_id, { order_asc = true, offset = 1, limit = 1 })
    assert.are.equal(all[2].id, second[1].id)
    local team = Sandbox.list_events({ limit = 100 })
    local found = false
    for _, ev in ipairs(team) do if ev.id == all[1].id then found = true end end
    assert.is_true(found)
  end)

  it("team metrics: the key's team without team_id, the max, another team refused", function()
    e2e.sandbox(finally)
    local now = os.time()
    local m = e2b.team.get_metrics({ start = now - 60, ["end"] = now + 5 })
    assert.is_true(#m > 0)
    local peak = 0
    for _, x in ipairs(m) do
      assert.is_number(x.timestamp_unix)
      assert.is_number(x.sandbox_start_rate)
      peak = math.max(peak, x.concurrent_sandboxes)
    end
    assert.is_true(peak >= 1)
    local max = e2b.team.get_max_metric({ metric = "concurrent_sandboxes", start = now - 60 })
    assert.is_true(max.value >= 1)
    assert.is_number(max.timestamp_unix)
    -- the team found without team_id is the emulator's (its ready line names it)
    assert.is_string(e2e.emulator.team_id)
    assert.are.equal(e2e.emulator.team_id, Sandbox.list_events({ limit = 1 })[1].sandbox_team_id)
    assert.are.equal(#m, #e2b.team.get_metrics({ team_id = e2e.emulator.team_id, start = now - 60, ["end"] = now + 5 }))
    local err = u.raised(e2b.team.get_metrics, { team_id = "11111111-1111-1111-1111-111111111111" })
    assert.are.equal(403, err.status)
  end)
end)
