local F = require("spec.support.fake_transport")
local u = require("spec.support.unit")
local e2e = require("spec.support.e2e")
local e2b = require("e2b")
local errors = e2b.errors
local Sandbox = e2b.Sandbox

describe("Sandbox (unit)", function()
  it("shows its id and never its token", function()
    local sbx = u.sandbox()
    assert.are.equal("e2b.Sandbox(id=isbx1)", tostring(sbx))
    assert.are.equal("isbx1", sbx.sandbox_id)
    assert.are.equal("0.6.13", sbx.envd_version)
    for k, v in pairs(sbx) do
      assert.are_not.equal(u.TOKEN, v, "field " .. tostring(k) .. " holds the token")
    end
    assert.not_matches(u.TOKEN, tostring(sbx.commands) .. tostring(sbx.files), 1, true)
    assert.are.equal("x ***", errors.redact("x " .. u.TOKEN))
  end)

  it("kills itself as a method and at scope end (__close)", function()
    local sbx, fake = u.sandbox()
    local kills = 0
    fake:on("DELETE /sandboxes/isbx1", function() kills = kills + 1 return { status = 204, headers = {}, body = "" } end)
    assert.is_true(sbx:kill())
    assert.are.equal(1, kills)
    getmetatable(sbx).__close(sbx)
    assert.are.equal(2, kills)
    assert.are.equal(u.KEY, fake.last.headers["X-API-KEY"])
    assert.matches("did you mean", u.raised(sbx.kill, sbx, { request_timout = 1 }).message)
  end)

  it("builds hosts for ports", function()
    local sbx = u.sandbox(nil, { domain = "my.org" })
    assert.are.equal("8000-isbx1.my.org", sbx:get_host(8000))
    assert.matches("'port' must be integer", u.raised(sbx.get_host, sbx, "80").message)
    assert.matches("method", u.raised(Sandbox.get_host, "isbx1", 80).message)
    for _, bad in ipairs({ 0, -1, 65536, 2 ^ 63 }) do   -- 2^63 once reached string.format("%d") raw
      local e = u.raised(sbx.get_host, sbx, bad)
      assert.are.equal("InvalidArgumentError", e.name, tostring(e))
      assert.matches("'port' must be", e.message)
    end
  end)

  it("is_running: 2xx → true, 502 → false, other errors raise", function()
    local sbx, fake = u.sandbox()
    local answer
    fake:on("GET /health", function() return answer end)
    answer = { status = 204, headers = {}, body = "" }
    assert.is_true(sbx:is_running())
    assert.are.equal("https://sandbox.e2b.app/health", fake.last.url)
    answer = F.json(502, { sandboxId = "isbx1", message = "The sandbox was not found", code = 502 })
    assert.is_false(sbx:is_running())
    answer = F.json(401, { code = 401, message = "bad token" })
    assert.are.equal("AuthenticationError", u.raised(sbx.is_running, sbx).name)
  end)

  it("instance get_info and set_timeout act on its own id with its own config", function()
    local sbx, fake = u.sandbox()
    fake:on("GET /sandboxes/isbx1", function() return F.json(200, { sandboxID = "isbx1", templateID = "t", state = "running" }) end)
    fake:on("POST /sandboxes/isbx1/timeout", function() return { status = 204, headers = {}, body = "" } end)
    assert.are.equal("running", sbx:get_info().state)
    sbx:set_timeout(30)
    assert.are.same({ timeout = 30 }, F.body(fake.last))
    assert.are.equal("https://api.test/sandboxes/isbx1/timeout", fake.last.url)
  end)

  it("makes no API call in debug mode", function()
    local fake = F.new()
    local sbx = Sandbox.create(u.opts(fake, { debug = true, sandbox_url = nil }))
    assert.are.equal("debug_sandbox_id", sbx.sandbox_id)
    assert.are.equal("localhost:8080", sbx:get_host(8080))
    assert.is_true(sbx:kill())
    assert.are.equal(0, #fake.requests)
  end)

  it("exposes sbx.git when the git module is installed", function()
    local sbx = u.sandbox()
    assert.is_table(sbx.git)
    assert.are.equal(sbx.commands, sbx.git.commands)
  end)
end)

describe("Sandbox (end to end)", function()
  before_each(function() e2e.require_emulator() end)

  it("creates, inspects, extends, lists, connects to and kills a sandbox", function()
    local sbx = e2e.sandbox(finally, { metadata = { spec = "sandbox_spec" }, timeout = 120 })
    assert.matches("^e2b%.Sandbox%(id=", tostring(sbx))
    assert.is_true(sbx:is_running())
    local info = sbx:get_info()
    assert.are.equal(sbx.sandbox_id, info.sandbox_id)
    assert.are.equal("running", info.state)
    assert.are.equal("sandbox_spec", info.metadata.spec)
    assert.is_string(info.started_at)
    sbx:set_timeout(600)
    Sandbox.set_timeout(sbx.sandbox_id, 600)
    assert.are.equal(sbx.sandbox_id, Sandbox.get_info(sbx.sandbox_id).sandbox_id)

    local found = false
    for i in Sandbox.list({ query = { metadata = { spec = "sandbox_spec" } } }):iter() do
      if i.sandbox_id == sbx.sandbox_id then found = true end
    end
    assert.is_true(found)

    local again = Sandbox.connect(sbx.sandbox_id)
    assert.are.equal("hi\n", again.commands:run("echo hi").stdout)
    assert.is_true(sbx:kill())
    assert.is_false(Sandbox.kill(sbx.sandbox_id))
    assert.is_false(sbx:is_running())
    local ok, err = pcall(Sandbox.get_info, sbx.sandbox_id)
    assert.is_false(ok)
    assert.are.equal("SandboxNotFoundError", err.name)
    ok, err = pcall(Sandbox.connect, sbx.sandbox_id)
    assert.are.equal("SandboxNotFoundError", err.name)
  end)

  it("pages through list results", function()
    local a = e2e.sandbox(finally, { metadata = { spec = "paging" } })
    local b = e2e.sandbox(finally, { metadata = { spec = "paging" } })
    local p = Sandbox.list({ query = { metadata = { spec = "paging" }, state = { "running" } }, limit = 1 })
    local ids = {}
    while p.has_next do
      for _, i in ipairs(p:next_items()) do ids[#ids + 1] = i.sandbox_id end
    end
    table.sort(ids)
    local want = { a.sandbox_id, b.sandbox_id }
    table.sort(want)
    assert.are.same(want, ids)
  end)

  it("filters list by metadata and state across pages of one", function()
    local tag = "state-" .. tostring(os.time()) .. "-" .. tostring(math.random(1e6))
    local run1 = e2e.sandbox(finally, { metadata = { spec = tag } })
    local run2 = e2e.sandbox(finally, { metadata = { spec = tag } })
    local paused = e2e.sandbox(finally, { metadata = { spec = tag } })
    e2e.sandbox(finally, { metadata = { spec = tag .. "-other" } })
    assert.is_true(paused:pause())
    local function ids(state)
      local p = Sandbox.list({ query = { metadata = { spec = tag }, state = state }, limit = 1 })
      local out, pages = {}, 0
      while p.has_next do
        local items = p:next_items()
        pages = pages + 1
        assert.is_true(#items <= 1)
        for _, i in ipairs(items) do
          out[#out + 1] = i.sandbox_id
          assert.are.equal(tag, i.metadata.spec)
          if state then assert.are.equal(state[1], i.state) end
        end
      end
      table.sort(out)
      return out, pages
    end
    local want = { run1.sandbox_id, run2.sandbox_id }
    table.sort(want)
    local running, pages = ids({ "running" })
    assert.are.same(want, running)
    assert.is_true(pages >= 2)
    assert.are.same({ paused.sandbox_id }, (ids({ "paused" })))
    assert.are.equal(3, #ids(nil))
  end)

  it("reaches a server inside the sandbox through get_host", function()
    local sbx = e2e.sandbox(finally)
    local port = 8000   -- the sandbox's own: specs running in parallel do not collide
    sbx.files:write("/home/user/site/hello.txt", "served from the sandbox")
    sbx.commands:run("cd /home/user/site && python3 -m http.server " .. port .. " --bind 127.0.0.1",
      { background = true, timeout = 0 }):disconnect()
    local host = sbx:get_host(port)
    assert.are.equal(port .. "-" .. sbx.sandbox_id .. ".e2b.app", host)
    -- The host does not resolve offline: send it as Host to the emulator's sandbox URL, which
    -- proxies by Host (and, the other documented way, by the E2b-Sandbox-* headers).
    local url = e2e.env.E2B_SANDBOX_URL .. "/hello.txt"
    local function fetch(headers)
      local p = io.popen("curl -sS --max-time 5 -w '\\n%{http_code}' " .. headers .. " " .. url .. " 2>/dev/null")
      local out = p:read("*a")
      p:close()
      return out:match("^(.*)\n(%d+)$")
    end
    local body, status
    for _ = 1, 50 do   -- the server needs a moment to listen
      body, status = fetch("-H 'Host: " .. host .. "'")
      if status == "200" then break end
      os.execute("sleep 0.1")
    end
    assert.are.equal("200", status)
    assert.are.equal("served from the sandbox", body)
    body, status = fetch("-H 'E2b-Sandbox-Id: " .. sbx.sandbox_id .. "' -H 'E2b-Sandbox-Port: " .. port .. "'")
    assert.are.equal("200", status)
    assert.are.equal("served from the sandbox", body)
  end)

  it("rejects a wrong API key with AuthenticationError", function()
    e2e.require_emulator()
    local ok, err = pcall(Sandbox.create, { api_key = "e2b_00000000000000000000000000000000deadbeef" })
    assert.is_false(ok)
    assert.are.equal("AuthenticationError", err.name)
    assert.not_matches("deadbeef", tostring(err))
  end)

  if _VERSION == "Lua 5.4" then
    it("kills a <close> sandbox at scope end", function()
      local chunk = assert(load([[
        local e2b = ...
        local id
        do
          local sbx <close> = e2b.Sandbox.create()
          id = sbx.sandbox_id
        end
        return id
      ]]))
      local id = chunk(e2b)
      e2e.defer(finally, function() Sandbox.kill(id) end)
      assert.is_false(Sandbox.kill(id))
    end)
  end
end)
