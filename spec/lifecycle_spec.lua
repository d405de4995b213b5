-- Pause, resume (connect), lifecycle options at create, metrics and logs.
local F = require("spec.support.fake_transport")
local u = require("spec.support.unit")
local e2e = require("spec.support.e2e")
local e2b = require("e2b")
local Sandbox = e2b.Sandbox

local function sleep(s) os.execute(("sleep %.2f"):format(s)) end

-- Poll `fn` until it returns a truthy value (bounded).
local function eventually(fn, secs)
  local deadline = os.time() + (secs or 10)
  while true do
    local v = fn()
    if v then return v end
    assert(os.time() < deadline, "condition not met in time")
    sleep(0.1)
  end
end

-- The counter file is rewritten every 0.1 s (truncate, then write): retry an empty read.
local function count(sbx)
  return eventually(function()
    local ok, c = pcall(sbx.files.read, sbx.files, "/home/user/count")
    return ok and tonumber(c)
  end)
end

describe("lifecycle (unit)", function()
  it("pause sends memory and maps 204/409/404", function()
    local sbx, fake = u.sandbox()
    local answers = { { status = 204, headers = {}, body = "" }, F.json(409, { code = 409, message = "already paused" }),
                      F.json(404, { code = 404, message = "nope" }), { status = 204, headers = {}, body = "" } }
    fake:on("POST /sandboxes/isbx1/pause", function() return table.remove(answers, 1) end)
    assert.is_true(sbx:pause())
    assert.are.same({ memory = true }, F.body(fake.last))
    assert.is_false(Sandbox.pause("isbx1", u.opts(fake)))
    local err = u.raised(sbx.pause, sbx)
    assert.are.equal("SandboxNotFoundError", err.name)
    sbx:pause({ keep_memory = false })
    assert.are.same({ memory = false }, F.body(fake.last))
  end)

  it("instance connect resumes its own id and keeps using it", function()
    local sbx, fake = u.sandbox()
    fake:on("POST /sandboxes/isbx1/connect", function()
      return F.json(201, { sandboxID = "isbx1", envdVersion = "0.6.14", envdAccessToken = u.TOKEN, clientID = "x",
                           templateID = "base" })
    end)
    assert.are.equal(sbx, sbx:connect({ timeout = 30 }))
    assert.are.same({ timeout = 30 }, F.body(fake.last))
    assert.are.equal("0.6.14", sbx.envd_version)
    -- every envd-backed object follows the new envd client (a resume may bring a new token)
    for _, k in ipairs({ "commands", "files", "pty" }) do
      assert.are.equal(sbx._envd, sbx[k]._envd, k)
    end
    fake:on("POST /sandboxes/isbx1/connect", function() return F.json(404, { code = 404, message = "gone" }) end)
    assert.are.equal("SandboxNotFoundError", u.raised(sbx.connect, sbx).name)
  end)

  it("instance connect honours request_timeout for that call only, and checks it", function()
    local sbx, fake = u.sandbox()
    fake:on("POST /sandboxes/isbx1/connect", function()
      return F.json(200, { sandboxID = "isbx1", envdVersion = "0.6.14", clientID = "x", templateID = "base" })
    end)
    sbx:connect({ request_timeout = 7 })
    assert.are.equal(7, fake.last.timeout)
    assert.matches("'request_timeout' must be a number of seconds from 0 to 2147483", u.raised(sbx.connect, sbx, { request_timeout = -1 }).message)
    sbx:connect()
    assert.are.equal(sbx._cfg.request_timeout, fake.last.timeout)   -- the sandbox's own setting is untouched
  end)

  it("validates lifecycle at create (protocol §3.2) and sends autoPause/autoResume", function()
    local fake = F.new()
    fake:on("POST /sandboxes", function()
      return F.json(201, { sandboxID = "i1", envdVersion = "0.6.13", templateID = "base", clientID = "x" })
    end)
    local function create(l) return Sandbox.create(u.opts(fake, { lifecycle = l, sandbox_url = "http://127.0.0.1:1" })) end
    create({ on_timeout = "pause", auto_resume = true })
    local b = F.body(fake.last)
    assert.is_true(b.autoPause)
    assert.are.same({ enabled = true }, b.autoResume)
    create({ on_timeout = { action = "pause", keep_memory = false } })
    assert.is_false(F.body(fake.last).autoPauseMemory)
    local n = #fake.requests
    assert.matches("auto_resume needs", u.raised(create, { auto_resume = true }).message)
    assert.matches("keep_memory is only valid", u.raised(create, { on_timeout = { action = "kill", keep_memory = true } }).message)
    assert.matches("cannot be used with keep_memory", u.raised(create,
      { on_timeout = { action = "pause", keep_memory = false }, auto_resume = true }).message)
    assert.matches("must be \"kill\" or \"pause\"", u.raised(create, { on_timeout = "stop" }).message)
    assert.are.equal(n, #fake.requests)   -- refused before any request
  end)

  it("maps metrics and logs, and checks their options", function()
    local sbx, fake = u.sandbox()
    fake:on("GET /sandboxes/isbx1/metrics", function()
      return F.json(200, { { timestamp = "2025-01-01T00:00:00Z", timestampUnix = 1735689600, cpuCount = 2,
        cpuUsedPct = 12.5, memUsed = 1000, memTotal = 2000, memCache = 0, diskUsed = 10, diskTotal = 20 } })
    end)
    local m = sbx:get_metrics({ start = 1735689000.7, ["end"] = 1735689700 })
    assert.are.same({ start = "1735689000", ["end"] = "1735689700" }, F.query(fake.last))
    assert.are.same({ timestamp = "2025-01-01T00:00:00Z", timestamp_unix = 1735689600, cpu_count = 2, cpu_used_pct = 12.5,
      mem_used = 1000, mem_total = 2000, mem_cache = 0, disk_used = 10, disk_total = 20 }, m[1])
    fake:on("GET /v2/sandboxes/isbx1/logs", function()
      return F.json(200, { logs = { { timestamp = "2025-01-01T00:00:00Z", level = "info", message = "started",
        fields = { a = "b" } } } })
    end)
    local logs = sbx:get_logs({ level = "info", limit = 5 })
    assert.are.same({ level = "info", limit = "5" }, F.query(fake.last))
    assert.are.same({ timestamp = "2025-01-01T00:00:00Z", level = "info", message = "started", fields = { a = "b" } }, logs[1])
    assert.matches("level must be", u.raised(sbx.get_logs, sbx, { level = "loud" }).message)
    assert.matches("direction must be", u.raised(sbx.get_logs, sbx, { direction = "up" }).message)
    assert.matches("unix seconds", u.raised(sbx.get_metrics, sbx, { start = -1 }).message)
    local old = u.sandbox(nil, { envdVersion = "0.1.4" })
    assert.are.equal("TemplateError", u.raised(old.get_metrics, old).name)
  end)
end)

describe("lifecycle (end to end)", function()
  it("a file and a running background process survive pause and resume", function()
    local sbx = e2e.sandbox(finally)
    sbx.files:write("/home/user/keep.txt", "kept")
    local h = sbx.commands:run("i=0; while true; do i=$((i+1)); echo $i > /home/user/count; sleep 0.1; done",
      { background = true, timeout = 0 })
    h:disconnect()
    eventually(function() return count(sbx) >= 3 end)

    assert.is_true(sbx:pause())
    assert.is_false(Sandbox.pause(sbx.sandbox_id))
    assert.are.equal("paused", sbx:get_info().state)
    assert.is_false(sbx:is_running())
    sleep(0.5)

    local again = Sandbox.connect(sbx.sandbox_id, { timeout = 60 })
    assert.are.equal(sbx.sandbox_id, again.sandbox_id)
    assert.are.equal("running", again:get_info().state)
    assert.are.equal("kept", again.files:read("/home/user/keep.txt"))
    local at_resume = count(again)
    local listed = false
    for _, p in ipairs(again.commands:list()) do if p.pid == h.pid then listed = true end end
    assert.is_true(listed, "the background process is still there")
    eventually(function() return count(again) >= at_resume + 3 end)

    -- the instance form: pause, then resume this very object
    assert.is_true(again:pause())
    assert.are.equal(again, again:connect())
    assert.is_true(again:is_running())
    local c1 = count(again)
    eventually(function() return count(again) > c1 end)
  end)

  it("pause of an unknown sandbox raises SandboxNotFoundError", function()
    e2e.require_emulator()
    local ok, err = pcall(Sandbox.pause, "inonexistent0000000000")
    assert.is_false(ok)
    assert.are.equal("SandboxNotFoundError", err.name)
  end)

  it("on_timeout = pause pauses at the end of the lifetime; auto_resume wakes it on traffic", function()
    local sbx = e2e.sandbox(finally, { timeout = 2, lifecycle = { on_timeout = "pause", auto_resume = true } })
    sbx.files:write("/home/user/a.txt", "A")
    local info = sbx:get_info()
    assert.are.same({ on_timeout = "pause", auto_resume = true }, info.lifecycle)
    eventually(function() return sbx:get_info().state == "paused" end, 15)
    -- envd traffic resumes it
    assert.are.equal("A", sbx.files:read("/home/user/a.txt"))
    assert.are.equal("running", sbx:get_info().state)
  end)

  it("reports metrics and lifecycle logs", function()
    local sbx = e2e.sandbox(finally)
    local now = os.time()
    local m = sbx:get_metrics()
    assert.is_true(#m >= 1)
    local last = m[#m]
    assert.are.equal("number", type(last.cpu_used_pct))
    assert.is_true(last.mem_total > 0 and last.disk_total > 0)
    assert.is_true(math.abs(last.timestamp_unix - now) <= 5)
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT", last.timestamp)
    assert.are.equal(0, #Sandbox.get_metrics(sbx.sandbox_id, { start = now + 3600 }))
    sbx:pause()
    sbx:connect()
    local logs = sbx:get_logs()
    assert.is_true(#logs >= 2)
    for _, l in ipairs(logs) do
      assert.are.equal("string", type(l.message))
      assert.are.equal("table", type(l.fields))
    end
    local back = Sandbox.get_logs(sbx.sandbox_id, { direction = "backward", limit = 1 })
    assert.are.equal(1, #back)
    assert.are.same(logs[#logs], back[1])
  end)
end)
