-- The `proxy` option: plain http:// (absolute-URI forwarding) and TLS + HTTP/2 (CONNECT tunnel)
-- through the loopback proxy spec/support/proxy_server.js; credentials never leak into messages.
local core = require("e2b.core")
local drive = require("spec.support.drive")
local server = require("spec.support.server")
local echo_server = require("spec.support.echo")
local transport = require("e2b.transport")
local json = require("e2b.json")

local SECRET = "pr0xyS3cret"
local h2, echo, open_proxy, auth_proxy, client

-- The whole body of a plain answer.
local function run(req, max_ms) return table.concat(drive.run(client, req, max_ms)) end

local function url_of(p) return string.format("http://127.0.0.1:%d", p.port) end

local function stats(p)
  local req = client:request({ method = "GET", url = url_of(p) .. "/stats" })
  return json.decode(run(req))
end

-- Every text a user could see about a request or its failure.
local function visible(req)
  local e = req:error()
  return tostring(req) .. " " .. (e and e.message or "")
end

describe("proxy option", function()
  setup(function()
    h2 = server.start("spec/support/h2_server.js")
    echo = echo_server.start()
    open_proxy = server.start("spec/support/proxy_server.js")
    auth_proxy = server.start("spec/support/proxy_server.js", "--auth user:" .. SECRET)
  end)
  teardown(function()
    h2.stop(); echo.stop(); open_proxy.stop(); auth_proxy.stop()
  end)
  before_each(function() client = core.client() end)
  after_each(function() client:close() end)

  it("forwards a plain http:// REST request through the proxy", function()
    local before = stats(open_proxy)
    local req = client:request({ method = "POST", url = echo.url .. "/echo?x=1", body = "hello",
                                 proxy = url_of(open_proxy), headers = { "Content-Type: text/plain" } })
    local body = json.decode(run(req))
    assert.equal("done", req:state())
    assert.equal(200, req:status())
    assert.equal("POST", body.method)
    assert.equal("hello", body.body)
    assert.equal("?x=1", body.query)
    assert.equal(before.forwards + 1, stats(open_proxy).forwards)
  end)

  it("tunnels a TLS request with CONNECT and still negotiates HTTP/2", function()
    local before = stats(open_proxy)
    local req = client:request({ method = "GET", url = string.format("https://127.0.0.1:%d/echo", h2.port),
                                 proxy = url_of(open_proxy), ca_file = h2.ca_file })
    local body = json.decode(run(req))
    assert.equal("done", req:state())
    assert.equal("2", req:http_version())
    assert.equal("2.0", body.version)
    local after = stats(open_proxy)
    assert.equal(before.connects + 1, after.connects)
    assert.equal(before.forwards, after.forwards)
  end)

  it("sends credentials from the proxy URL and never shows them", function()
    local proxy = string.format("http://user:%s@127.0.0.1:%d", SECRET, auth_proxy.port)
    local before = stats(auth_proxy)
    local plain = client:request({ method = "GET", url = echo.url .. "/echo", proxy = proxy })
    local body = json.decode(run(plain))
    assert.equal(200, plain:status())
    assert.is_nil(body.headers["proxy-authorization"]) -- the proxy consumed it
    local tls = client:request({ method = "GET", url = string.format("https://127.0.0.1:%d/echo", h2.port),
                                 proxy = proxy, ca_file = h2.ca_file })
    run(tls)
    assert.equal("done", tls:state())
    assert.equal("2", tls:http_version())
    local after = stats(auth_proxy)
    assert.equal(before.forwards + 1, after.forwards)
    assert.equal(before.connects + 1, after.connects)
    assert.equal(before.refused, after.refused)
    assert.is_nil(visible(plain):find(SECRET, 1, true))
    assert.is_nil(visible(tls):find(SECRET, 1, true))
  end)

  it("fails a refused tunnel and an unreachable proxy without showing credentials", function()
    local wrong = string.format("http://user:%s-x@127.0.0.1:%d", SECRET, auth_proxy.port)
    local tls = client:request({ method = "GET", url = string.format("https://127.0.0.1:%d/echo", h2.port),
                                 proxy = wrong, ca_file = h2.ca_file })
    run(tls)
    assert.equal("failed", tls:state())
    assert.matches("407", tls:error().message)
    assert.is_nil(visible(tls):find(SECRET, 1, true))
    local plain = client:request({ method = "GET", url = echo.url .. "/echo", proxy = wrong })
    run(plain)
    assert.equal(407, plain:status()) -- an HTTP answer from the proxy: Lua maps it
    -- nothing listens on port 1
    local gone = client:request({ method = "GET", url = echo.url .. "/echo",
                                  proxy = "http://user:" .. SECRET .. "@127.0.0.1:1" })
    run(gone)
    assert.equal("failed", gone:state())
    assert.equal("connect", gone:error().kind)
    assert.is_nil(visible(gone):find(SECRET, 1, true))
  end)

  it("routes the transport's REST and TLS calls through cfg.proxy with cfg.ca_file", function()
    local before = stats(auth_proxy)
    local T = transport.new({ proxy = string.format("http://user:%s@127.0.0.1:%d", SECRET, auth_proxy.port),
                              ca_file = h2.ca_file, request_timeout = 10 })
    local r = T:request({ method = "GET", url = echo.url .. "/echo" })
    assert.equal(200, r.status)
    local s = T:request({ method = "GET", url = string.format("https://127.0.0.1:%d/status/201", h2.port) })
    assert.equal(201, s.status)
    assert.equal("status 201", s.body)
    local after = stats(auth_proxy)
    assert.equal(before.forwards + 1, after.forwards)
    assert.equal(before.connects + 1, after.connects)
    -- a transport failure raises an error object whose text has no credentials
    local bad = transport.new({ proxy = "http://user:" .. SECRET .. "@127.0.0.1:1", request_timeout = 10 })
    local ok, err = pcall(bad.request, bad, { method = "GET", url = echo.url .. "/echo" })
    assert.is_false(ok)
    assert.equal("connect", err.kind)
    assert.is_nil(tostring(err):find(SECRET, 1, true))
    assert.is_nil(tostring(bad):find(SECRET, 1, true))
    bad.client:close()
    T.client:close()
  end)
end)
