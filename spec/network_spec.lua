-- Each emulated sandbox's own network, through the Lua SDK: the same port in two sandboxes,
-- sandbox ports only through the port routing, host.e2b.internal (a git clone from a server on
-- the host's loopback), allow_internet_access / allow_out / deny_out, update_network, and pids
-- that are the sandbox's own. Traffic goes only to loopback and to the sandboxes' namespaces.
local u = require("spec.support.unit")
local e2e = require("spec.support.e2e")
local e2b = require("e2b")
local json = require("e2b.json")

local function sh(cmd)
  local p = io.popen(cmd)
  local out = p:read("*a")
  p:close()
  return (out:gsub("%s+$", ""))
end

describe("Sandbox:update_network (unit)", function()
  it("PUTs the whole egress config, empty lists as []", function()
    local sbx, fake = u.sandbox()
    local seen
    fake:on("PUT /sandboxes/isbx1/network", function(req)
      seen = req
      return { status = 204, headers = {}, body = "" }
    end)
    sbx:update_network({ allow_out = { "10.0.0.0/8", "example.com" }, deny_out = {}, allow_internet_access = false })
    local body = json.decode(seen.body)
    assert.are.same({ "10.0.0.0/8", "example.com" }, body.allowOut)
    assert.are.equal("[]", seen.body:match('"denyOut":(%b[])'))
    assert.is_false(body.allow_internet_access)
    sbx:update_network({ egress_proxy = { address = "127.0.0.1:1080", username = "u", password = "pw-secret-1" } })
    assert.are.same({ address = "127.0.0.1:1080", username = "u", password = "pw-secret-1" }, json.decode(seen.body).egressProxy)
    assert.are.equal("x ***", e2b.errors.redact("x pw-secret-1"))
  end)

  it("refuses bad input before any request", function()
    local sbx = u.sandbox()
    local err = u.raised(sbx.update_network, sbx, { deny_out = { 1 } })
    assert.are.equal("InvalidArgumentError", err.name)
    assert.matches("network.deny_out%[1%] must be a string", err.message)
    err = u.raised(sbx.update_network, sbx, { allow_outt = {} })
    assert.matches("did you mean 'allow_out'", err.message)
    assert.are.equal("InvalidArgumentError", u.raised(sbx.update_network, sbx, { allow_out = { a = "x" } }).name)
    assert.are.equal("Sandbox.update_network: network.egress_proxy needs a string 'address'",
      u.raised(sbx.update_network, sbx, { egress_proxy = { username = "u" } }).message)
  end)
end)

describe("sandbox networks (emulator)", function()
  local host_port, host_dir

  -- What a sandbox gets from the host's loopback server: its text, or "ERR".
  local function reach(sbx)
    return sbx.commands:run("curl -sS --max-time 3 http://host.e2b.internal:" .. host_port
      .. "/hello.txt || echo ERR", { timeout = 10 }).stdout:gsub("%s+$", "")
  end

  local function isolated()
    e2e.require_emulator()
    if not (e2e.emulator and e2e.emulator.network == "isolated") then
      pending("sandboxes share the host network here (the emulator said \"network\":\"shared\")")
      return false
    end
    return true
  end

  setup(function()
    e2e.require_emulator()
    -- A static server on the host's loopback with a dumb-HTTP git repository in it.
    host_dir = sh("mktemp -d")
    sh(("cd %s && echo 'host loopback says hi' > hello.txt && git init -q --bare repo.git && "
      .. "git init -q src && cd src && echo lua > README && git add README && "
      .. "git -c user.name=t -c user.email=t@e commit -qm one && git push -q ../repo.git HEAD:main && "
      .. "cd ../repo.git && git symbolic-ref HEAD refs/heads/main && git update-server-info"):format(host_dir))
    os.execute(("python3 spec/support/static_server.py %s %s/port $PPID >/dev/null 2>&1 &"):format(host_dir, host_dir))
    for _ = 1, 100 do
      local f = io.open(host_dir .. "/port")
      if f then host_port = f:read("*l") f:close() break end
      os.execute("sleep 0.05")
    end
    assert.matches("^%d+$", host_port)
  end)

  teardown(function()
    if host_dir then os.execute("rm -rf " .. host_dir) end   -- the server exits with this process
  end)

  it("two sandboxes serve the same port, each through its own routing, never the host's", function()
    if not isolated() then return end
    local a = e2e.sandbox(finally)
    local b = e2e.sandbox(finally)
    for sbx, text in pairs({ [a] = "I am A", [b] = "I am B" }) do
      sbx.files:write("/home/user/www/who.txt", text)
      sbx.commands:run("cd /home/user/www && exec python3 -m http.server 8000 --bind 127.0.0.1",
        { background = true, timeout = 0 }):disconnect()
    end
    local function fetch(sbx)
      return sh("curl -sS --max-time 5 -H 'Host: " .. sbx:get_host(8000) .. "' "
        .. e2e.env.E2B_SANDBOX_URL .. "/who.txt 2>/dev/null")
    end
    local got = {}
    for _ = 1, 50 do   -- the servers need a moment to listen
      got = { fetch(a), fetch(b) }
      if got[1] == "I am A" and got[2] == "I am B" then break end
      os.execute("sleep 0.1")
    end
    assert.are.same({ "I am A", "I am B" }, got)
    local direct = sh("curl -s --max-time 2 http://127.0.0.1:8000/who.txt 2>/dev/null")
    assert.is_nil(direct:find("I am", 1, true), "the host's 127.0.0.1:8000 served a sandbox's file")
  end)

  it("reaches the host loopback as host.e2b.internal (git clone) unless internet access is off", function()
    if not isolated() then return end
    local open = e2e.sandbox(finally)
    assert.are.equal("host loopback says hi", reach(open))
    open.git:clone("http://host.e2b.internal:" .. host_port .. "/repo.git", { path = "/home/user/repo" })
    assert.are.equal("lua\n", open.files:read("/home/user/repo/README"))
    local closed = e2e.sandbox(finally, { allow_internet_access = false })
    assert.are.equal("ERR", reach(closed))
  end)

  it("deny_out blocks an address, allow_out wins over a deny-all, update_network flips at runtime", function()
    if not isolated() then return end
    local sbx = e2e.sandbox(finally)
    local addr = sbx.commands:run("getent hosts host.e2b.internal").stdout:match("^(%S+)")
    local denied = e2e.sandbox(finally, { network = { deny_out = { addr } } })
    assert.are.equal("ERR", reach(denied))
    local allowed = e2e.sandbox(finally, { network = { deny_out = { "0.0.0.0/0" }, allow_out = { addr .. "/32" } } })
    assert.are.equal("host loopback says hi", reach(allowed))

    assert.are.equal("host loopback says hi", reach(sbx))
    sbx:update_network({ allow_internet_access = false })
    assert.are.equal("ERR", reach(sbx))
    assert.is_false(sbx:get_info().allow_internet_access)
    sbx:update_network({ allow_internet_access = false, allow_out = { "host.e2b.internal" } })
    assert.are.equal("host loopback says hi", reach(sbx))
    e2b.Sandbox.update_network(sbx.sandbox_id, {})   -- replaces everything: back to open
    assert.are.equal("host loopback says hi", reach(sbx))
    local ok, err = pcall(sbx.update_network, sbx, { deny_out = { "example.com" } })
    assert.is_false(ok)
    assert.matches("deny_?[Oo]ut", err.message)
  end)

  it("reports the sandbox's own pids: a background command's pid is its $$", function()
    local sbx = e2e.sandbox(finally)
    local h = sbx.commands:run("echo $$; exec sleep 30", { background = true, timeout = 0 })
    local printed
    for ev in h:events() do
      if ev.type == "stdout" then printed = tonumber(ev.data:match("%d+")) break end
    end
    assert.are.equal(h.pid, printed)
    local listed = false
    for _, p in ipairs(sbx.commands:list()) do listed = listed or p.pid == h.pid end
    assert.is_true(listed)
    assert.are.equal("sleep", (sbx.commands:run("cat /proc/" .. h.pid .. "/comm").stdout:gsub("%s+$", "")))
    h:disconnect()
    local again = sbx.commands:connect(h.pid)
    assert.are.equal(h.pid, again.pid)
    assert.is_true(sbx.commands:kill(h.pid))
    assert.has_error(function() again:wait() end)
  end)
end)
