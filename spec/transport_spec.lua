-- lua/e2b/transport.lua against the loopback echo server.
local transport = require("e2b.transport")
local errors = require("e2b.errors")
local echo_server = require("spec.support.echo")
local json = require("e2b.json")
local connect = require("e2b.connect")

local echo, T

local function stream_body(o) return json.encode(o) end

local function raises(fn)
  local ok, err = pcall(fn)
  assert.is_false(ok, "expected an error")
  return err
end

describe("e2b.transport", function()
  setup(function() echo = echo_server.start() end)
  teardown(function() echo.stop() end)
  before_each(function() T = transport.new({ request_timeout = 10 }) end)
  after_each(function() T:close() end)

  it("sends a request and returns status, headers and body", function()
    local res = T:request({ method = "PUT", url = echo.url .. "/echo?q=1",
                            headers = { ["X-Api-Key"] = "k", ["Content-Type"] = "application/json" },
                            body = '{"a":1}' })
    assert.equal(200, res.status)
    assert.equal("application/json", res.headers["content-type"])
    local b = json.decode(res.body)
    assert.equal("PUT", b.method)
    assert.equal("?q=1", b.query)
    assert.equal("k", b.headers["x-api-key"])
    assert.equal('{"a":1}', b.body)
  end)

  it("returns non-2xx answers as values", function()
    local res = T:request({ method = "GET", url = echo.url .. "/status/404" })
    assert.equal(404, res.status)
    assert.equal("status 404", res.body)
  end)

  it("raises TimeoutError for a request timeout and SandboxError for transport failures", function()
    local e = raises(function() T:request({ method = "GET", url = echo.url .. "/delay?ms=3000", timeout = 0.2 }) end)
    assert.is_true(errors.is(e, errors.TimeoutError))
    assert.equal("timeout", e.kind)
    e = raises(function() T:request({ method = "GET", url = "http://127.0.0.1:1/x?signature=v1_secret" }) end)
    assert.is_true(errors.is(e, errors.SandboxError))
    assert.equal("connect", e.kind)
    assert.falsy(tostring(e):find("v1_secret", 1, true))
    assert.truthy(tostring(e):find("http://127.0.0.1:1/x", 1, true))
    e = raises(function() T:request({ method = "GET", url = echo.url .. "/drop?after=10" }) end)
    assert.equal("dropped", e.kind)
  end)

  it("rejects unknown description keys and bad values", function()
    local e = raises(function() T:request({ method = "GET", url = echo.url, tiemout = 1 }) end)
    assert.is_true(errors.is(e, errors.InvalidArgumentError))
    assert.matches("tiemout", e.message)
    e = raises(function() T:request({ method = "GET", url = echo.url, timeout = -1 }) end)
    assert.matches("timeout", e.message)
    e = raises(function() T:request({ method = "GET", url = echo.url, headers = { "X: y" } }) end)
    assert.matches("headers", e.message)
  end)

  it("encodes empty arrays and keeps its own cjson settings", function()
    local s = json.encode({ a = json.empty_array, b = {} })
    assert.truthy(s == '{"a":[],"b":{}}' or s == '{"b":{},"a":[]}', s)
    assert.equal('[[],1]', json.encode({ json.empty_array, 1 }))
    assert.equal(json.null, json.decode("null"))
  end)

  it("streams Connect messages and returns the end-of-stream payload", function()
    local s = connect.stream(T, { method = "POST", url = echo.url .. "/connect",
      body = stream_body({ messages = { { event = { start = { pid = 1 } } }, { event = { data = { stdout = "aGkK" } } } },
                           ["end"] = {}, chunk = 2 }) })
    local m1 = s:next()
    assert.equal(1, m1.event.start.pid)
    assert.equal("aGkK", s:next().event.data.stdout)
    local m, info = s:next()
    assert.is_nil(m)
    assert.same({}, info)
    assert.is_nil((s:next()))
  end)

  it("returns an end-of-stream error and a non-200 answer as end_info", function()
    local s = connect.stream(T, { method = "POST", url = echo.url .. "/connect",
      body = stream_body({ messages = {}, ["end"] = { error = { code = "deadline_exceeded", message = "ctx" } } }) })
    local m, info = s:next()
    assert.is_nil(m)
    assert.equal("deadline_exceeded", info.error.code)
    s = connect.stream(T, { method = "POST", url = echo.url .. "/status/502" })
    m, info = s:next()
    assert.is_nil(m)
    assert.same({ http_status = 502, body = "status 502" }, info)
  end)

  it("raises for broken streams: malformed, dropped, missing end, wrong content type", function()
    local e = raises(function()
      local s = connect.stream(T, { method = "POST", url = echo.url .. "/connect",
        body = stream_body({ messages = { { a = 1 } }, ["end"] = json.null, raw = "010000000178" }) })
      assert.equal(1, s:next().a)   -- messages before the bad envelope are delivered
      s:next()
    end)
    assert.equal("malformed", e.kind)
    e = raises(function()
      local s = connect.stream(T, { method = "POST", url = echo.url .. "/drop?ct=application/connect%2Bjson&after=3" })
      s:next()
    end)
    assert.equal("dropped", e.kind)
    e = raises(function()
      local s = connect.stream(T, { method = "POST", url = echo.url .. "/connect",
        body = stream_body({ messages = { { a = 1 } }, ["end"] = json.null }) })
      s:next()
      s:next()
    end)
    assert.equal("protocol", e.kind)
    assert.matches("end%-of%-stream", e.message)
    e = raises(function()
      connect.stream(T, { method = "POST", url = echo.url .. "/connect",
                 body = stream_body({ messages = {}, ["end"] = {}, ct = "text/plain" }) }):next()
    end)
    assert.equal("protocol", e.kind)
  end)

  it("bounds the handshake with timeout and the whole stream with stream_timeout", function()
    local s = connect.stream(T, { method = "POST", url = echo.url .. "/hang", timeout = 0.3 })
    local t0 = require("e2b.core").now_ms()
    local e = raises(function() s:next() end)
    assert.is_true(errors.is(e, errors.TimeoutError))
    assert.is_true(require("e2b.core").now_ms() - t0 < 2000)
    -- first message arrives at once, then nothing: the handshake is over, stream_timeout ends it
    s = connect.stream(T, { method = "POST", url = echo.url .. "/connect", timeout = 5, stream_timeout = 0.5,
      body = stream_body({ messages = { { a = 1 }, { b = 2 } }, ["end"] = {}, chunk = 12, delay = 3000 }) })
    assert.equal(1, s:next().a)
    e = raises(function() s:next() end)
    assert.equal("timeout", e.kind)
  end)

  it("interleaves a background stream with unary calls on one client", function()
    local msgs = {}
    for i = 1, 5 do msgs[i] = { i = i } end
    local s = connect.stream(T, { method = "POST", url = echo.url .. "/connect",
      body = stream_body({ messages = msgs, ["end"] = {}, chunk = 12, delay = 100 }) })
    local seen = {}
    for i = 1, 5 do
      local res = T:request({ method = "GET", url = echo.url .. "/echo?n=" .. i })
      assert.equal(200, res.status)
      local m = s:next()
      seen[#seen + 1] = m.i
    end
    assert.same({ 1, 2, 3, 4, 5 }, seen)
    local m, info = s:next()
    assert.is_nil(m)
    assert.same({}, info)
  end)

  it("close cancels a stream", function()
    local s = connect.stream(T, { method = "POST", url = echo.url .. "/hang" })
    s:close()
    s:close()
    local m, info = s:next()
    assert.is_nil(m)
    assert.is_true(info.canceled)
  end)

  it("opens a download and reads it in chunks with flat memory", function()
    local size = 6 * 1024 * 1024
    local r = T:open({ method = "GET", url = echo.url .. "/big?size=" .. size, max_buffered = 64 * 1024 })
    assert.equal(200, r.status)
    local total, biggest = 0, 0
    while true do
      local c = r:read()
      if not c then break end
      total = total + #c
      if #c > biggest then biggest = #c end
    end
    assert.equal(size, total)
    assert.is_true(biggest <= 64 * 1024 + 256 * 1024)
    r:close()
  end)

  it("downloads to a callback and to a file, with progress", function()
    local n, calls = 0, 0
    local res = T:download({ method = "GET", url = echo.url .. "/big?size=500000" }, function(c) n = n + #c end)
    assert.equal(200, res.status)
    assert.equal(500000, n)
    local path = os.tmpname()
    local last_done, last_total = 0, 0
    res = T:request({ method = "GET", url = echo.url .. "/big?size=2000000", response_file = path,
                      on_progress = function(done, total)
                        calls = calls + 1
                        assert.is_true(done >= last_done)
                        last_done, last_total = done, total
                      end })
    assert.equal(200, res.status)
    assert.is_nil(res.body)
    assert.is_true(calls >= 1)
    assert.equal(2000000, last_done)
    assert.equal(2000000, last_total)
    local f = assert(io.open(path, "rb"))
    assert.equal(2000000, #f:read("*a"))
    f:close()
    os.remove(path)
  end)

  it("keeps a timeout below half a millisecond a timeout (it must not round to 0 = none)", function()
    local t0 = require("e2b.core").now_ms()
    local err = raises(function()
      T:request({ method = "GET", url = echo.url .. "/delay?ms=3000", timeout = 0.0004 })
    end)
    assert.is_true(errors.is(err, errors.TimeoutError), tostring(err))
    assert.is_true(require("e2b.core").now_ms() - t0 < 2000)
  end)

  it("cancels the request when on_progress raises, leaving nothing in flight", function()
    local err = raises(function()
      T:request({ method = "GET", url = echo.url .. "/delay?ms=3000",
                  on_progress = function() error("stop here", 0) end })
    end)
    assert.equal("stop here", err)
    assert.equal(0, T.client:active())
  end)

  it("uploads a file body and multipart", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "wb"))
    f:write(string.rep("z", 300000))
    f:close()
    local up_done = 0
    local res = T:upload({ method = "POST", url = echo.url .. "/echo", body_file = path,
                           on_progress = function(done) up_done = done end })
    assert.equal(300000, json.decode(res.body).len)
    assert.equal(300000, up_done)
    res = T:upload({ method = "POST", url = echo.url .. "/echo",
                     multipart = { { name = "file", filename = "/home/user/z", file = path } } })
    assert.truthy(json.decode(res.body).body:find('filename="/home/user/z"', 1, true))
    os.remove(path)
  end)
end)
