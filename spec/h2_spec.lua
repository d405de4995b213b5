-- e2b.core over TLS + HTTP/2 against the loopback server spec/support/h2_server.js (self-signed
-- certificate trusted through `ca_file`): negotiation, multiplexing, backpressure, drops.
local core = require("e2b.core")
local drive = require("spec.support.drive")
local server = require("spec.support.server")
local json = require("e2b.json")

local srv, base, client

local function run(req, max_ms) return drive.run(client, req, max_ms) end

local function get(path, extra)
  local o = { method = "GET", url = base .. path, ca_file = srv.ca_file }
  for k, v in pairs(extra or {}) do o[k] = v end
  return client:request(o)
end

local function stats()
  local req = get("/stats")
  local body = table.concat(run(req))
  return json.decode(body)
end

local function rss_kb()
  for line in io.lines("/proc/self/status") do
    local v = line:match("^VmRSS:%s+(%d+)")
    if v then return tonumber(v) end
  end
end

describe("e2b.core over TLS + HTTP/2", function()
  setup(function()
    srv = server.start("spec/support/h2_server.js")
    base = string.format("https://127.0.0.1:%d", srv.port)
  end)
  teardown(function() srv.stop() end)
  before_each(function() client = core.client() end)
  after_each(function() client:close() end)

  it("negotiates HTTP/2 with a server trusted through ca_file", function()
    local req = get("/echo")
    assert.is_nil(req:http_version()) -- not known before the answer's headers
    local body = json.decode(table.concat(run(req)))
    assert.equal("done", req:state())
    assert.equal(200, req:status())
    assert.equal("2", req:http_version())
    assert.equal("2.0", body.version)
    assert.equal("application/json", req:headers()["content-type"])
  end)

  it("refuses the self-signed certificate without ca_file (kind connect, no insecure default)", function()
    local req = client:request({ method = "GET", url = base .. "/echo" })
    run(req)
    assert.equal("failed", req:state())
    local err = req:error()
    assert.equal("connect", err.kind)
    assert.matches("certificate", err.message)
  end)

  it("reports a missing ca_file as a connect failure naming the problem", function()
    local req = client:request({ method = "GET", url = base .. "/echo", ca_file = "/nonexistent/ca.pem" })
    run(req)
    assert.equal("failed", req:state())
    assert.equal("connect", req:error().kind)
    assert.error_matches(function() client:request({ method = "GET", url = base, ca_file = 1 }) end,
      "bad argument 'ca_file' %(string expected, got number%)")
  end)

  it("speaks HTTP/1.1 to plain http:// and reports it", function()
    local echo = require("spec.support.echo").start()
    local req = client:request({ method = "GET", url = echo.url .. "/echo" })
    run(req)
    echo.stop()
    assert.equal("done", req:state())
    assert.equal("1.1", req:http_version())
  end)

  it("multiplexes 20 concurrent Connect streams over one connection", function()
    local before = stats()
    client:close()
    client = core.client() -- no connection to reuse: the 20 streams must share a new one
    local reqs = {}
    local t0 = core.now_ms()
    for i = 1, 20 do reqs[i] = get("/slow?n=5&ms=40", { response = "connect" }) end
    assert.equal(20, client:active())
    for i = 1, 20 do
      local msgs = run(reqs[i])
      assert.equal("done", reqs[i]:state())
      assert.equal("2", reqs[i]:http_version())
      assert.equal(6, #msgs)
      for j = 1, 5 do assert.same({ i = j }, json.decode(msgs[j].data)) end
      assert.equal(2, msgs[6].flags)
    end
    -- concurrent, not one after another (each stream alone takes ~200 ms)
    assert.is_true(core.now_ms() - t0 < 2000)
    local after = stats() -- reuses the streams' connection
    assert.equal(1, after.connections - before.connections)
    assert.equal(1, after.sessions - before.sessions)
    assert.equal(21, after.requests - before.requests)
  end)

  it("decodes Connect envelopes split at every odd size over HTTP/2", function()
    local messages = {}
    for i = 1, 12 do messages[i] = { i = i, pad = string.rep("x", i * 7) } end
    for _, chunk in ipairs({ 1, 2, 3, 5, 7, 13, 4096 }) do
      local req = client:request({ method = "POST", url = base .. "/connect", ca_file = srv.ca_file,
        response = "connect", body = json.encode({ messages = messages, chunk = chunk, ["end"] = {} }) })
      local msgs = run(req)
      assert.equal("done", req:state())
      assert.equal(13, #msgs)
      for i = 1, 12 do assert.same(messages[i], json.decode(msgs[i].data)) end
      assert.equal(2, msgs[13].flags)
    end
  end)

  it("keeps memory flat and loses no byte on a paused HTTP/2 stream (256 MiB, 1 MiB buffer)", function()
    local SIZE, MIB = 256 * 1048576, 1048576
    -- byte k of the body is k % 251: check every chunk against the pattern at its offset
    local t = {}
    for i = 0, 250 do t[#t + 1] = string.char(i) end
    local period = table.concat(t)
    local pattern = string.rep(period, math.ceil(3 * MIB / 251) + 1)
    local req = get("/big?size=" .. SIZE, { max_buffered = MIB })
    local got, baseline, peak, pauses, biggest = 0, nil, 0, 0, 0
    local next_sample = 16 * MIB
    local deadline = core.now_ms() + 60000
    while true do
      local st = req:state()
      if req:paused() then pauses = pauses + 1 end
      local s = req:take()
      if #s > 0 then
        -- compared in place (a plain find anchored at the offset): no 1 MiB copy per take
        local o = got % 251
        assert(pattern:find(s, o + 1, true) == o + 1, "wrong bytes at offset " .. got)
        got = got + #s
        if #s > biggest then biggest = #s end
      end
      if st == "done" or st == "failed" then break end
      assert(core.now_ms() < deadline, "transfer did not finish in time")
      client:step(10)
      core.sleep_ms(2) -- a slow reader: curl must pause the stream, not buffer ahead
      -- RSS is sampled after a full collection every 8 MiB: what is measured is what the client
      -- holds (curl's and the core's buffers), not the taken strings the collector has not yet
      -- reached, which grow with the rest of the process's heap (a whole busted run on 5.2).
      if got >= next_sample then
        collectgarbage()
        if not baseline then baseline = rss_kb() end
        peak = math.max(peak, rss_kb())
        next_sample = next_sample + 8 * MIB
      end
    end
    assert.equal("done", req:state())
    assert.equal("2", req:http_version())
    assert.equal(SIZE, got)
    assert.is_true(pauses > 50, "the stream was paused " .. pauses .. " times")
    -- one take never exceeds the bound by more than one of curl's write chunks
    assert.is_true(biggest <= MIB + 64 * 1024, "a take returned " .. biggest .. " bytes")
    assert.is_true(peak - baseline < 24 * 1024, ("RSS grew from %d to %d KiB"):format(baseline, peak))
  end)

  it("fails a reset HTTP/2 stream as dropped and keeps the messages before it", function()
    local req = client:request({ method = "POST", url = base .. "/connect", ca_file = srv.ca_file,
      response = "connect",
      body = json.encode({ messages = { { a = 1 }, { b = 2 }, { c = 3 } }, chunk = 3, drop = true }) })
    local msgs = run(req)
    assert.equal("failed", req:state())
    assert.equal("dropped", req:error().kind)
    assert.equal(3, #msgs)
    assert.same({ c = 3 }, json.decode(msgs[3].data))
    -- the connection survives a reset stream: the next request reuses it
    local before = stats()
    local again = get("/echo")
    run(again)
    assert.equal("done", again:state())
    assert.equal(before.connections, stats().connections)
  end)

  it("fails a reset plain HTTP/2 body as dropped with the bytes received so far", function()
    local req = get("/drop?size=100000&after=3000")
    local body = table.concat(run(req))
    assert.equal("failed", req:state())
    assert.equal("dropped", req:error().kind)
    assert.equal(3000, #body)
  end)
end)
