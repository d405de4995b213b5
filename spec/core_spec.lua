-- e2b.core, the C binding, against the loopback echo server (spec/support/echo_server.js).
local core = require("e2b.core")
local drive = require("spec.support.drive")
local echo_server = require("spec.support.echo")
local json = require("e2b.json")

local echo, client

local function run(req, max_ms) return drive.run(client, req, max_ms) end

local function envelopes(o) return json.encode(o) end

describe("e2b.core", function()
  setup(function() echo = echo_server.start() end)
  teardown(function() echo.stop() end)
  before_each(function() client = core.client() end)
  after_each(function() client:close() end)

  it("has a version, libcurl's version and the helpers", function()
    assert.equal("0.1.0", core.version)
    assert.truthy(core.curl_version:find("^libcurl/"))
    assert.equal("aGkK", core.b64encode("hi\n"))
    assert.equal("hi\n", core.b64decode("aGkK"))
    assert.equal("", core.join({}))
    assert.equal("ab\0c", core.join({ "a", "", "b\0", "c" }))
    local many = {}
    for i = 1, 250000 do many[i] = i % 10 == 0 and "x" or "" end   -- past the stack: joined in batches
    assert.equal(string.rep("x", 25000), core.join(many))
    assert.equal("bc", core.join({ "a", "b", "c", "d" }, 2, 3))
    assert.equal("", core.join({ "a" }, 2, 1))
    assert.equal(string.rep("x", 24990), core.join(many, 101))
    assert.error_matches(function() core.join({ "a", 1 }) end, "bad argument 'parts%[2%]' %(string expected%)")
    assert.error_matches(function() core.join("a") end, "bad argument 'parts' %(table expected, got string%)")
    assert.equal("\251\255", core.b64decode("-_8"))
    assert.equal("\251\255", core.b64decode("+/8="))
    assert.equal("\251\255", core.b64decode("+/8"))
    local v, err = core.b64decode("a$b")
    assert.is_nil(v)
    assert.matches("invalid base64", err)
    local d = core.sha256("abc")
    assert.equal(32, #d)
    assert.equal("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", core.b64encode(d))
    local a = core.now_ms()
    assert.is_true(core.now_ms() >= a)
  end)

  it("sha256_new hashes incrementally, files from disk in chunks, and equals the one-shot digest", function()
    local big = ("0123456789abcdef"):rep(9000) .. "tail"      -- > one 64 KiB read
    local path = os.tmpname()
    local f = assert(io.open(path, "wb"))
    f:write(big)
    f:close()
    local h = core.sha256_new()
    assert.are.equal(h, h:update("pre"))
    assert.is_true(h:update_file(path))
    h:update("")
    assert.are.equal(core.sha256("pre" .. big), h:digest())
    assert.are.equal(core.sha256(""), h:digest())             -- digest starts over
    os.remove(path)
    local ok, err, errno = h:update_file(path)
    assert.is_nil(ok)
    assert.matches("No such file", err)
    assert.is_number(errno)
    assert.error_matches(function() h:update(nil) end, "bad argument 's' %(string expected, got nil%)")
    assert.error_matches(function() h:update_file(7) end, "bad argument 'path' %(string expected, got number%)")
    assert.error_matches(function() h.update({}, "x") end, "e2b.core.sha256 expected")
  end)

  it("reads request options raw, so a value made by __index is never used after it is collected", function()
    local opts = setmetatable({ method = "GET" }, { __index = function(_, k)
      if k == "url" then return "http://127.0.0.1:9/" .. ("p"):rep(40) .. tostring(os.clock()) end
      if k == "verbose" then   -- the last field read: collect, then reuse the freed memory
        collectgarbage("collect")
        local junk = {}
        for i = 1, 1000 do junk[i] = ("Z"):rep(40) .. i .. "xxxxxxxxxxxxxxxxxxxxxx" end
      end
    end })
    assert.error_matches(function() client:request(opts) end, "bad argument 'url' %(string expected, got nil%)")
  end)

  it("tells file, dir, symlink and other apart without following links (fs_*)", function()
    local d = os.tmpname()
    os.remove(d)
    assert.is_true(core.fs_mkdir(d))
    finally(function() os.execute("rm -rf '" .. d .. "'") end)
    local nok, msg, code = core.fs_mkdir(d)
    assert.is_nil(nok); assert.is_string(msg); assert.are.equal(17, code)   -- EEXIST
    local f = assert(io.open(d .. "/f", "wb")); f:write("12345"); f:close()
    os.execute(("ln -s f '%s/l' && ln -s /nonexistent '%s/dangling' && mkfifo '%s/p'"):format(d, d, d))
    assert.are.same({ type = "file", size = 5, mode = core.fs_lstat(d .. "/f").mode }, core.fs_lstat(d .. "/f"))
    assert.are.equal("symlink", core.fs_lstat(d .. "/l").type)
    assert.are.equal("file", core.fs_stat(d .. "/l").type)
    assert.are.equal("other", core.fs_lstat(d .. "/p").type)
    assert.is_nil(core.fs_stat(d .. "/dangling"))
    assert.are.equal("f", core.fs_readlink(d .. "/l"))
    assert.are.equal(core.fs_realpath(d) .. "/f", core.fs_realpath(d .. "/l"))
    local names = core.fs_dir(d)
    table.sort(names)
    assert.are.same({ "dangling", "f", "l", "p" }, names)
    assert.is_nil(core.fs_dir(d .. "/f"))
    assert.is_nil(core.fs_readlink(d .. "/f"))
    assert.is_true(core.fs_unlink(d .. "/l"))
    assert.is_nil(core.fs_lstat(d .. "/l"))
    for _ = 1, 200 do core.fs_dir(d) end   -- the DIR handle is closed every time (ASan/valgrind)
    collectgarbage("collect")
    assert.has_error(function() core.fs_lstat() end)
    assert.has_error(function() core.fs_mkdir(d .. "/x", -1) end)
  end)

  it("rejects bad arguments with messages naming them", function()
    assert.error_matches(function() client:request({ method = "GET" }) end,
      "bad argument 'url' %(string expected, got nil%)")
    assert.error_matches(function() client:request({ url = "http://x" }) end,
      "bad argument 'method' %(string expected, got nil%)")
    assert.error_matches(function() client:request({ method = "GET", url = "http://x", bogus = 1 }) end,
      "unknown option 'bogus'")
    assert.error_matches(function() client:request({ method = "GET", url = "http://x", response = "nope" }) end,
      "bad argument 'response' %(\"buffer\", \"connect\", \"process\", \"lines\" or \"file\" expected")
    assert.error_matches(function() client:request({ method = "POST", url = "http://x", body = "a", body_file = "/b" }) end,
      "at most one of")
    assert.error_matches(function() client:request({ method = "GET", url = "http://x", headers = { "X: a\r\nY: b" } }) end,
      "headers%[1%]")
    assert.error_matches(function() client:request({ method = "GET", url = "http://x", timeout_ms = -1 }) end,
      "bad argument 'timeout_ms'")
    assert.error_matches(function() client:request({ method = "GET", url = "http://x", response = "file" }) end,
      "response_file")
    assert.error_matches(function() client:request({ method = "POST", url = "http://x", multipart = { { name = "f" } } }) end,
      "exactly one of 'data' or 'file'")
    assert.error_matches(function() core.client({ max_conn = 1 }) end, "unknown option 'max_conn'")
    assert.error_matches(function() core.sha256(nil) end, "bad argument 's' %(string expected, got nil%)")
    assert.equal(0, client:active()) -- nothing was started by a rejected call
  end)

  it("checks option keys before values, and takes any number of header lines", function()
    -- one pass over the table: a key problem is reported even when a value is also wrong
    assert.error_matches(function() client:request({ method = 1, url = "http://x", bogus = 1 }) end,
      "unknown option 'bogus'")
    assert.error_matches(function() client:request({ method = "GET", url = "http://x", ["url\0x"] = 1 }) end,
      "unknown option 'url")
    assert.error_matches(function() client:request({ method = "GET", url = "http://x", [1] = "a" }) end,
      "keys must be strings %(got number%)")
    assert.error_matches(function() client:request({ method = "GET", url = "http://x", timeout_ms = "5" }) end,
      "bad argument 'timeout_ms' %(number expected, got string%)")
    assert.error_matches(function() client:request({ method = "GET", url = "http://x", verbose = 1 }) end,
      "bad argument 'verbose' %(boolean expected, got number%)")
    assert.error_matches(function() client:request({ method = "GET", url = "http://x", proxy = "a\0b" }) end,
      "bad argument 'proxy' %(contains a NUL byte%)")
    assert.equal(0, client:active())
    for _, n in ipairs({ 0, 1, 32, 33, 80 }) do   -- 32 fit on the C stack, more go to a userdata
      local lines = {}
      for i = 1, n do lines[i] = ("X-H%d: v%d"):format(i, i) end
      local a = client:request({ method = "GET", url = echo.url .. "/echo", headers = lines })
      local b = client:request({ method = "GET", url = echo.url .. "/echo", headers = lines })   -- same table
      for _, req in ipairs({ a, b }) do
        local h = json.decode(table.concat(run(req))).headers
        for i = 1, n do assert.equal("v" .. i, h["x-h" .. i]) end
        assert.is_nil(h["x-h" .. (n + 1)])
      end
      assert.equal(n, #lines)   -- the caller's table is left as it was
    end
  end)

  it("asks for compressed answers except on Connect streams (never compressed there)", function()
    local plain = json.decode(table.concat(run(client:request({ method = "GET", url = echo.url .. "/echo" }))))
    assert.truthy(plain.headers["accept-encoding"])
    for _, mode in ipairs({ "connect", "process" }) do
      local got = run(client:request({ method = "POST", url = echo.url .. "/echo?as=connect", response = mode }))
      assert.equal(2, #got)
      assert.is_nil(json.decode(got[1].data).headers["accept-encoding"])
      local asked = run(client:request({ method = "POST", url = echo.url .. "/echo?as=connect", response = mode,
                                         accept_encoding = true }))
      assert.truthy(json.decode(asked[1].data).headers["accept-encoding"])
    end
  end)

  it("never sends Expect: 100-continue, whatever the body size", function()
    for _, n in ipairs({ 10, 2000, 2 * 1024 * 1024 }) do
      local t0 = core.now_ms()
      local got = json.decode(table.concat(run(client:request({ method = "POST", url = echo.url .. "/echo",
                                                                 body = ("b"):rep(n) }))))
      assert.equal(n, got.len)
      assert.is_nil(got.headers["expect"])
      assert.is_true(core.now_ms() - t0 < 900)   -- no 1 s wait for a "100 Continue"
    end
  end)

  it("gives a reused connection handle nothing of the request before it", function()
    local a = client:request({ method = "PUT", url = echo.url .. "/echo", body = "first",
                               headers = { "X-First: 1", "Content-Type: text/x-first" } })
    local first = json.decode(table.concat(run(a)))
    assert.equal("PUT", first.method)
    assert.equal("1", first.headers["x-first"])
    a:close()   -- its handle goes back to the client's pool; the next request takes it
    local b = client:request({ method = "GET", url = echo.url .. "/echo", accept_encoding = false })
    local second = json.decode(table.concat(run(b)))
    assert.equal("GET", second.method)
    assert.is_nil(second.headers["x-first"])
    assert.is_nil(second.headers["content-type"])
    assert.is_nil(second.headers["accept-encoding"])
    assert.equal(0, second.len)
  end)

  it("names its types and never shows query strings", function()
    assert.equal("e2b.core.client", getmetatable(client).__name)
    local req = client:request({ method = "GET", url = echo.url .. "/echo?signature=v1_secret",
                                 headers = { "X-Access-Token: tok123" } })
    assert.equal("e2b.core.request", getmetatable(req).__name)
    local s = tostring(req)
    assert.truthy(s:find("GET " .. echo.url .. "/echo", 1, true))
    assert.falsy(s:find("secret", 1, true))
    assert.falsy(s:find("tok123", 1, true))
    run(req)
    assert.equal("done", req:state())
  end)

  it("buffers a response and reports status and lower-cased headers", function()
    local req = client:request({ method = "POST", url = echo.url .. "/echo", body = "a\0b",
                                 headers = { "X-Test: 1", "Content-Type: text/plain" } })
    local body = json.decode(table.concat(run(req)))
    assert.equal("done", req:state())
    assert.equal(200, req:status())
    assert.equal("application/json", req:headers()["content-type"])
    for name, v in pairs(req:headers()) do assert.equal(v, req:header(name)) end   -- one header, same value
    assert.is_nil(req:header("Content-Type"))   -- names are lower-case
    assert.is_nil(req:header("x-not-sent"))
    assert.equal("POST", body.method)
    assert.equal(3, body.len)
    assert.equal("a\0b", body.body)
    assert.equal("1", body.headers["x-test"])
    assert.is_nil(body.headers["expect"])
    assert.equal("text/plain", body.headers["content-type"])
    local plain = client:request({ method = "POST", url = echo.url .. "/echo", body = "x" })
    assert.is_nil(json.decode(table.concat(run(plain))).headers["content-type"])
    assert.is_nil(req:error())
  end)

  it("reports transport failures as values", function()
    local req = client:request({ method = "GET", url = "http://127.0.0.1:1/x?token=secret" })
    run(req)
    assert.equal("failed", req:state())
    local e = req:error()
    assert.equal("connect", e.kind)
    assert.equal(7, e.curl_code)
    assert.falsy(e.message:find("secret", 1, true))
    local t = client:request({ method = "GET", url = echo.url .. "/delay?ms=3000", timeout_ms = 200 })
    run(t)
    assert.equal("timeout", t:error().kind)
  end)

  it("keeps data received before a dropped connection", function()
    local req = client:request({ method = "GET", url = echo.url .. "/drop?size=100000&after=1000" })
    local got = table.concat(run(req))
    assert.equal("failed", req:state())
    assert.equal("dropped", req:error().kind)
    assert.equal(1000, #got)
  end)

  it("decodes Connect envelopes split at odd places", function()
    for _, chunk in ipairs({ 1, 2, 3, 7, 4096 }) do
      local msgs = {}
      for i = 1, 20 do msgs[i] = { i = i, pad = string.rep("x", i * 3) } end
      local req = client:request({ method = "POST", url = echo.url .. "/connect", response = "connect",
        body = envelopes({ messages = msgs, ["end"] = {}, chunk = chunk }) })
      local got = run(req)
      assert.equal("done", req:state())
      assert.equal(21, #got)
      for i = 1, 20 do
        assert.equal(0, got[i].flags)
        assert.equal(i, json.decode(got[i].data).i)
      end
      assert.equal(2, got[21].flags)
      assert.equal("{}", got[21].data)
    end
  end)

  it("decodes envd process output and events in C (response = \"process\"), whatever the chunking; other shapes pass as messages", function()
    local b64 = core.b64encode
    local out = "\0\1binary\255\254" .. string.rep("0123456789", 1500)   -- crosses chunks (the echo server reads 64 KiB)
    local wire = {
      '{"event":{"start":{"pid":7}}}',
      '{"event":{"data":{"stdout":"' .. b64(out:sub(1, 10)) .. '"}}}',
      ' { "event" :\n{ "data" : {"stdout" : "' .. b64(out:sub(11)) .. '" } } } ',   -- protojson whitespace
      '{"event":{"data":{"stderr":"' .. b64("err1") .. '"}}}',
      '{"event":{"data":{"stdout":"aG\\u0069K"}}}',          -- an escape: general path
      '{"event":{"data":{"stdout":"aGkK","more":1}}}',       -- another field: general path
      '{"event":{"data":{"stdout":"a=GkK"}}}',               -- not base64: general path
      '{"event":{"data":{"pty":"' .. b64("\27[0m") .. '"}}}',
      '{"event":{"data":{"stderr":"' .. b64("err2") .. '"}}}',
      '{"event":{"keepalive":{}}}',
      '{"event":{"end":{"exitCode":3}}}',
      '{"event":{"end":{"exitCode":-1,"status":"signal: killed","error":"signal: killed"}}}',
      '{"event":{"end":{"status":"exit status 0","exited":true}}}',
      '{"event":{"end":{"exited":true,"error":""}}}',
      '{"event":{"end":{"exitCode":1.5}}}',                   -- not an integer: general path
      '{"event":{"end":{"status":"a\\"b"}}}',                -- an escape: general path
      '{"event":{"end":{"exited":true,"exited":false}}}',     -- a repeated field: general path
      '{"event":{"start":{"pid":7,"x":1}}}',                  -- another field: general path
      '{"event":{"start":{}}}',                               -- pid 0, omitted by protojson
      '{}',                                                   -- not the end-of-stream envelope
    }
    local raw = {}
    for _, p in ipairs(wire) do raw[#raw + 1] = require("e2b.connect").envelope(p) end
    raw[#raw + 1] = "\2\0\0\0\2{}"
    local hex = table.concat(raw):gsub(".", function(c) return ("%02x"):format(c:byte()) end)
    local function count(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end
    local want = { "start 7", "stdout " .. out, "stderr err1", "msg " .. wire[5], "msg " .. wire[6],
                   "msg " .. wire[7], "pty \27[0m", "stderr err2", "msg " .. wire[10], "end 3 false nil",
                   "end -1 false signal: killed|signal: killed", "end 0 true exit status 0|nil", "end 0 true |",
                   "msg " .. wire[15], "msg " .. wire[16], "msg " .. wire[17], "msg " .. wire[18], "start 0",
                   "msg " .. wire[20], "eos" }
    for _, chunk in ipairs({ 1, 2, 3, 5, 7, 64, 16384, 1000000 }) do
      local req = client:request({ method = "POST", url = echo.url .. "/connect", response = "process",
        body = envelopes({ messages = {}, ["end"] = json.null, raw = hex, chunk = chunk }) })
      local got = {}
      for _, m in ipairs(run(req)) do
        assert.equal("table", type(m), tostring(m))
        if m.kind == "start" then
          assert.equal(2, count(m))
          assert.equal(math.type and "integer" or "number", math.type and math.type(m.pid) or type(m.pid))
          got[#got + 1] = "start " .. m.pid
        elseif m.kind == "end" then
          assert.equal(m.error == nil and 4 or 5, count(m))
          assert.equal(math.type and "integer" or "number", math.type and math.type(m.exit_code) or type(m.exit_code))
          got[#got + 1] = ("end %d %s %s"):format(m.exit_code, tostring(m.exited),
            m.error == nil and (m.status == "" and "nil" or m.status .. "|nil") or m.status .. "|" .. m.error)
        elseif m.kind == "eos" then
          assert.equal(1, count(m))
          got[#got + 1] = "eos"
        elseif m.kind then   -- a run of decoded bytes: joined with the run before it if of the same kind
          assert.is_nil(m.data)
          local last = got[#got]
          if last and last:sub(1, #m.kind + 1) == m.kind .. " " then got[#got] = last .. m.bytes
          else got[#got + 1] = m.kind .. " " .. m.bytes end
        else
          got[#got + 1] = (m.flags == 2 and "end " or "msg ") .. m.data
        end
      end
      assert.equal("done", req:state())
      assert.are.same(want, got, "chunk " .. chunk)
    end
  end)

  it("take(true) folds a process stream's usual messages per take; anything else stays a record", function()
    local b64 = core.b64encode
    local function hexwire(wire)
      local raw = {}
      for _, p in ipairs(wire) do raw[#raw + 1] = require("e2b.connect").envelope(p) end
      raw[#raw + 1] = "\2\0\0\0\2{}"
      return (table.concat(raw):gsub(".", function(c) return ("%02x"):format(c:byte()) end))
    end
    -- what a reader keeps of the records: events in order ("data" for a run of output), each
    -- stream's bytes (folded records do not keep how stdout and stderr interleaved)
    local function digest(parts)
      local d = { events = {}, stdout = {}, stderr = {}, folded = 0, records = 0 }
      local function ev(s) if not (s == "data" and d.events[#d.events] == "data") then d.events[#d.events + 1] = s end end
      local function finish(m) ev(("end %d %s %s %s"):format(m.exit_code, tostring(m.exited), m.status, tostring(m.error))) end
      for _, m in ipairs(parts) do
        if m.kind == "folded" then
          d.folded = d.folded + 1
          assert.is_true(m.pid ~= nil or m.stdout ~= nil or m.stderr ~= nil or m.ended == true, "an empty folded record")
          if m.pid ~= nil then ev("start " .. m.pid) end
          if m.stdout then d.stdout[#d.stdout + 1] = m.stdout end
          if m.stderr then d.stderr[#d.stderr + 1] = m.stderr end
          if m.stdout or m.stderr then ev("data") end
          if m.ended then finish(m) else assert.is_nil(m.exit_code) end
        else
          d.records = d.records + 1
          if m.kind == "start" then ev("start " .. m.pid)
          elseif m.kind == "stdout" or m.kind == "stderr" then d[m.kind][#d[m.kind] + 1] = m.bytes ev("data")
          elseif m.kind == "end" then finish(m)
          elseif m.kind then ev(m.kind)
          else ev((m.flags == 2 and "end " or "msg ") .. m.data) end
        end
      end
      d.stdout, d.stderr = table.concat(d.stdout), table.concat(d.stderr)
      return d
    end
    local function take_all(hex, chunk, fold)
      local req = client:request({ method = "POST", url = echo.url .. "/connect", response = "process",
        body = envelopes({ messages = {}, ["end"] = json.null, raw = hex, chunk = chunk }) })
      local deadline, parts = core.now_ms() + 10000, {}
      while true do
        local st = req:state()
        local got = req:take(fold)
        for _, m in ipairs(got) do parts[#parts + 1] = m end
        if st == "done" or st == "failed" then break end
        assert(core.now_ms() < deadline, "request did not finish in time")
        client:step(100)
      end
      assert.equal("done", req:state())
      return digest(parts)
    end
    local out = "\0\1binary\255" .. string.rep("0123456789", 1500)
    local usual = hexwire({
      '{"event":{"start":{"pid":7}}}',
      '{"event":{"data":{"stdout":"' .. b64(out:sub(1, 10)) .. '"}}}',
      '{"event":{"data":{"stderr":"' .. b64("e1") .. '"}}}',
      '{"event":{"data":{"stdout":"' .. b64(out:sub(11)) .. '"}}}',
      '{"event":{"end":{"exitCode":3,"status":"exit status 3","error":"boom"}}}',
    })
    -- each with one thing that keeps its take from folding (or folds only a part of it)
    local function data(kind, text) return '{"event":{"data":{"' .. kind .. '":"' .. b64(text) .. '"}}}' end
    local START7, END0 = '{"event":{"start":{"pid":7}}}', '{"event":{"end":{"exitCode":0,"status":"exit status 0","exited":true}}}'
    local odd = {
      hexwire({ data("stdout", "early"), START7, data("stdout", "a"), END0 }),         -- output before the start
      hexwire({ START7, data("stdout", "a"), '{"event":{"keepalive":{}}}', END0 }),    -- a JSON message
      hexwire({ START7, data("stdout", "a"), data("pty", "p"), END0 }),                -- pty output
      hexwire({ START7, END0, data("stdout", "late") }),                                -- output after the end
      hexwire({ START7, data("stdout", "a"), '{"event":{"start":{"pid":8}}}', END0 }),  -- a start after output
      hexwire({ START7, END0, '{"event":{"end":{"exitCode":1,"status":"exit status 1","exited":true}}}' }),   -- two ends
    }
    for _, chunk in ipairs({ 1, 3, 7, 64, 16384, 1000000 }) do
      local plain, folded = take_all(usual, chunk, false), take_all(usual, chunk, true)
      assert.are.same({ "start 7", "data", "end 3 false exit status 3 boom", "eos" }, folded.events, "chunk " .. chunk)
      assert.equal(out, folded.stdout)
      assert.equal("e1", folded.stderr)
      assert.are.same({ plain.events, plain.stdout, plain.stderr }, { folded.events, folded.stdout, folded.stderr })
      assert.equal(0, plain.folded)
      assert.is_true(folded.folded >= 1)
      assert.is_true(folded.records <= 1, "chunk " .. chunk)   -- only the eos, when a take has nothing else
      for i, hex in ipairs(odd) do
        plain, folded = take_all(hex, chunk, false), take_all(hex, chunk, true)
        assert.are.same({ plain.events, plain.stdout, plain.stderr }, { folded.events, folded.stdout, folded.stderr },
          ("case %d, chunk %d"):format(i, chunk))
      end
    end
  end)

  it("fails a Connect stream with a compressed flag as malformed, keeping earlier messages", function()
    local req = client:request({ method = "POST", url = echo.url .. "/connect", response = "connect",
      body = envelopes({ messages = { { a = 1 } }, ["end"] = json.null, raw = "010000000178" }) })
    local got = run(req)
    assert.equal("failed", req:state())
    assert.equal("malformed", req:error().kind)
    assert.matches("compressed", req:error().message)
    assert.equal(1, #got)
    assert.equal('{"a":1}', got[1].data)
  end)

  it("fails a paused Connect stream whose held chunk is malformed, even if the server goes quiet", function()
    -- max_buffered = 1: every envelope after the first is held by a pause and decoded on take;
    -- the bad one must fail the request then, not leave it "headers" until the server ends
    local req = client:request({ method = "POST", url = echo.url .. "/connect", response = "connect",
      max_buffered = 1, timeout_ms = 0,
      body = envelopes({ messages = { { a = 1 }, { b = 2 } }, ["end"] = json.null, raw = "010000000178",
                         chunk = 12, delay = 100, hold = true }) })
    local got, deadline = {}, core.now_ms() + 3000
    while req:state() ~= "failed" and req:state() ~= "done" do
      assert(core.now_ms() < deadline, "request stuck in state " .. req:state())
      -- take only every 300 ms, so that each envelope waits held by a pause first
      local t = core.now_ms() + 300
      while core.now_ms() < t do client:step(20) end
      for _, m in ipairs(req:take()) do got[#got + 1] = m end
    end
    for _, m in ipairs(req:take()) do got[#got + 1] = m end
    assert.equal("failed", req:state())
    assert.equal("malformed", req:error().kind)
    assert.matches("compressed", req:error().message)
    assert.equal(2, #got)
    assert.equal('{"b":2}', got[2].data)
  end)

  it("rejects a Connect envelope longer than 64 MiB", function()
    local req = client:request({ method = "POST", url = echo.url .. "/connect", response = "connect",
      body = envelopes({ messages = {}, ["end"] = json.null, raw = "0004000001" }) })
    run(req)
    assert.equal("malformed", req:error().kind)
    assert.matches("64 MiB", req:error().message)
  end)

  it("fails a Connect body that ends inside an envelope", function()
    local req = client:request({ method = "POST", url = echo.url .. "/connect", response = "connect",
      body = envelopes({ messages = {}, ["end"] = json.null, raw = "00000000ff7b" }) })
    run(req)
    assert.equal("malformed", req:error().kind)
  end)

  it("hands over the raw body of a non-200 Connect answer", function()
    local req = client:request({ method = "POST", url = echo.url .. "/status/503", response = "connect" })
    local got = run(req)
    assert.equal("done", req:state())
    assert.equal(503, req:status())
    assert.equal("status 503", table.concat(got))
  end)

  it("splits a newline-delimited answer into lines, whatever the chunking", function()
    local body = '{"type":"stdout","text":"a"}\n\n{"type":"result"}\r\n{"type":"end_of_execution"}'
    for _, chunk in ipairs({ 1, 2, 5, 4096 }) do
      local req = client:request({ method = "POST", url = echo.url .. "/lines?chunk=" .. chunk,
                                   response = "lines", body = body })
      local got = run(req)
      assert.equal("done", req:state())
      -- "\n" removed, "\r" kept, the empty line is a line, the unterminated last one comes at the end
      assert.same({ '{"type":"stdout","text":"a"}', "", '{"type":"result"}\r', '{"type":"end_of_execution"}' }, got)
      assert.same({}, req:take())
    end
  end)

  it("hands over the raw body of a non-2xx lines answer", function()
    local req = client:request({ method = "POST", url = echo.url .. "/lines?status=502", response = "lines",
                                 body = "bad gateway\nsecond line\n" })
    local got = run(req)
    assert.equal("done", req:state())
    assert.equal(502, req:status())
    assert.equal("bad gateway\nsecond line\n", table.concat(got))
  end)

  it("pauses a lines stream whose reader falls behind and resumes on take", function()
    local line = ("y"):rep(99)
    local n, bound = 40000, 64 * 1024  -- 4 MB of 100-byte lines
    local req = client:request({ method = "POST", url = echo.url .. "/lines?chunk=65536", response = "lines",
                                 max_buffered = bound, body = (line .. "\n"):rep(n) })
    local deadline = core.now_ms() + 5000
    while not req:paused() and core.now_ms() < deadline do client:step(50) end
    assert.is_true(req:paused())
    for _ = 1, 10 do client:step(10) end
    local first = req:take()
    assert.is_true(#first * 100 >= bound and #first * 100 <= bound + 256 * 1024, #first .. " lines")
    local total, biggest = #first, #first
    local deadline2 = core.now_ms() + 20000
    while req:state() ~= "done" do
      assert(req:state() ~= "failed", req:error() and req:error().message)
      assert(core.now_ms() < deadline2, "stream stalled")
      client:step(50)
      local got = req:take()
      for _, l in ipairs(got) do assert(l == line, "line corrupted") end
      total = total + #got
      if #got > biggest then biggest = #got end
    end
    total = total + #req:take()
    assert.equal(n, total)
    assert.is_true(biggest * 100 <= bound + 256 * 1024, "buffered " .. biggest .. " lines")
  end)

  it("fails a line longer than 64 MiB as malformed, keeping the lines before it", function()
    local req = client:request({ method = "POST", url = echo.url .. "/lines?long=" .. (64 * 1024 * 1024 + 1),
                                 response = "lines", body = "one\ntwo\n", timeout_ms = 30000 })
    local got = run(req, 30000)
    assert.equal("failed", req:state())
    assert.equal("malformed", req:error().kind)
    assert.matches("line longer than 67108864 bytes", req:error().message)
    assert.same({ "one", "two" }, got)
  end)

  it("pauses a transfer whose reader falls behind and resumes on take", function()
    local size, bound = 8 * 1024 * 1024, 64 * 1024
    local req = client:request({ method = "GET", url = echo.url .. "/big?size=" .. size, max_buffered = bound })
    -- do not take: the transfer must stop at the bound
    local deadline = core.now_ms() + 5000
    while not req:paused() and core.now_ms() < deadline do client:step(50) end
    assert.is_true(req:paused())
    for _ = 1, 10 do client:step(10) end
    local first = req:take()
    assert.is_true(#first >= bound and #first <= bound + 256 * 1024)
    local total, biggest = #first, #first
    local deadline2 = core.now_ms() + 20000
    while req:state() ~= "done" do
      assert(req:state() ~= "failed", req:error() and req:error().message)
      assert(core.now_ms() < deadline2, "download stalled")
      client:step(50)
      local c = req:take()
      total = total + #c
      if #c > biggest then biggest = #c end
    end
    total = total + #req:take()
    assert.equal(size, total)
    assert.is_true(biggest <= bound + 256 * 1024, "buffered " .. biggest .. " bytes")
  end)

  it("streams a download to a file, and leaves the file alone on an error status", function()
    local path = os.tmpname()
    local req = client:request({ method = "GET", url = echo.url .. "/big?size=3000000", response = "file",
                                 response_file = path })
    run(req)
    assert.equal("done", req:state())
    local f = assert(io.open(path, "rb"))
    local data = f:read("*a")
    f:close()
    assert.equal(3000000, #data)
    assert.equal(string.char(0, 1, 2), data:sub(1, 3))
    local p = req:progress()
    assert.equal(3000000, p.down_now)
    local f2 = assert(io.open(path, "wb")) f2:write("keep me") f2:close()
    local bad = client:request({ method = "GET", url = echo.url .. "/status/404", response = "file",
                                 response_file = path })
    local got = run(bad)
    assert.equal(404, bad:status())
    assert.equal("status 404", table.concat(got))
    f = assert(io.open(path, "rb"))
    assert.equal("keep me", f:read("*a"))
    f:close()
    os.remove(path)
  end)

  it("reports an unwritable response_file as an io failure", function()
    local req = client:request({ method = "GET", url = echo.url .. "/echo", response = "file",
                                 response_file = "/nonexistent-dir/x" })
    run(req)
    assert.equal("io", req:error().kind)
    assert.matches("/nonexistent%-dir/x", req:error().message)
  end)

  it("uploads from a file and as multipart, streamed", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "wb"))
    local blob = string.rep("0123456789abcdef", 200000)
    f:write(blob)
    f:close()
    local req = client:request({ method = "POST", url = echo.url .. "/echo", body_file = path })
    local body = json.decode(table.concat(run(req)))
    assert.equal(#blob, body.len)
    assert.equal(#blob, req:progress().up_now)
    local mp = client:request({ method = "POST", url = echo.url .. "/echo", multipart = {
      { name = "file", filename = "/home/user/a.txt", data = "hello part" },
      { name = "file", filename = "/home/user/big.bin", file = path, content_type = "application/x-test" } } })
    local r = json.decode(table.concat(run(mp)))
    assert.matches("^multipart/form%-data; boundary=", r.headers["content-type"])
    assert.truthy(r.body:find('filename="/home/user/a.txt"', 1, true))
    assert.truthy(r.body:find("hello part", 1, true))
    assert.truthy(r.body:find('filename="/home/user/big.bin"', 1, true))
    assert.truthy(r.body:find("Content-Type: application/x-test", 1, true))
    assert.is_true(r.len > #blob)
    local missing = client:request({ method = "POST", url = echo.url .. "/echo", body_file = "/nonexistent" })
    run(missing)
    assert.equal("io", missing:error().kind)
    assert.matches("body_file '/nonexistent'", missing:error().message)
    os.remove(path)
  end)

  it("runs many requests at once on one client", function()
    local reqs = {}
    for i = 1, 30 do
      reqs[i] = client:request({ method = "GET", url = echo.url .. "/echo?i=" .. i })
    end
    assert.equal(30, client:active())
    local done, deadline = 0, core.now_ms() + 10000
    local seen = {}
    while done < 30 and core.now_ms() < deadline do
      for _, r in ipairs(client:step(100)) do
        local st = r:state()
        if (st == "done" or st == "failed") and not seen[r] then seen[r] = true done = done + 1 end
      end
    end
    assert.equal(30, done)
    for i = 1, 30 do
      assert.equal("done", reqs[i]:state())
      assert.equal("?i=" .. i, json.decode(reqs[i]:take()).query)
    end
    assert.equal(0, client:active())
  end)

  it("can be driven by a host loop through fds/timeout/action", function()
    local req = client:request({ method = "GET", url = echo.url .. "/echo" })
    local deadline, body = core.now_ms() + 5000, {}
    while req:state() ~= "done" and req:state() ~= "failed" and core.now_ms() < deadline do
      if client:timeout() == 0 then client:action_timeout() end
      for _, f in ipairs(client:fds()) do
        assert.is_number(f.fd)
        client:action(f.fd, f.read, f.write)
      end
      body[#body + 1] = req:take()
    end
    body[#body + 1] = req:take()
    assert.equal("done", req:state())
    assert.equal("GET", json.decode(table.concat(body)).method)
  end)

  it("closes idempotently; closing the client closes its requests", function()
    local req = client:request({ method = "GET", url = echo.url .. "/delay?ms=5000" })
    client:step(20)
    req:close()
    req:close()
    assert.equal("closed", req:state())
    assert.is_nil(req:take())
    local a = client:request({ method = "GET", url = echo.url .. "/delay?ms=5000" })
    local b = client:request({ method = "GET", url = echo.url .. "/delay?ms=5000" })
    client:step(20)
    client:close()
    client:close()
    assert.equal("closed", a:state())
    assert.equal("closed", b:state())
    assert.equal("e2b.core.client (closed)", tostring(client))
    assert.error_matches(function() client:step(0) end, "closed")
    a:close()
  end)

  it("survives garbage collection in any order", function()
    for _ = 1, 5 do
      local c = core.client()
      for i = 1, 5 do c:request({ method = "GET", url = echo.url .. "/delay?ms=" .. (i * 100) }) end
      c:step(10)
      if math.random() < 0.5 then c:close() end
      c = nil -- luacheck: ignore
      collectgarbage()
      collectgarbage()
    end
    local c = core.client()
    local r = c:request({ method = "GET", url = echo.url .. "/echo" })
    c = nil -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    assert.truthy(r:state())
  end)
end)
