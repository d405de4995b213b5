-- e2b.stream (the one way to open a server stream), e2b.compat, e2b.version and envd's error
-- mapping as pure functions: no network.
local stream = require("e2b.stream")
local compat = require("e2b.compat")
local version = require("e2b.version")
local map = require("e2b.envd.errors")
local errors = require("e2b.errors")
local core = require("e2b.core")
local u = require("spec.support.unit")

-- A source yielding `items` in order: a table is a message, { raise = err } raises err.
local function source(items)
  local s = { i = 0, closed = 0 }
  function s:next()
    self.i = self.i + 1
    local m = items[self.i]
    if type(m) == "table" and m.raise then error(m.raise, 0) end
    return m
  end
  function s:close() self.closed = self.closed + 1 end
  return s
end

local START = { start = { pid = 7 } }
local function start(msg) return msg.start end

describe("e2b.stream", function()
  it("reads the start message before returning, then the messages, then nil", function()
    local src = source({ START, { n = 1 }, { n = 2 } })
    local s = stream.open(src, { start = start })
    assert.are.equal(7, s.start.pid)
    assert.are.equal(1, s:next().n)
    assert.are.equal(2, s:next().n)
    assert.is_nil(s:next())
    assert.is_nil(s:next())
    s:close() s:close()
    assert.are.equal(1, src.closed)
  end)

  it("refuses a stream whose first message is not the start, and closes it", function()
    local src = source({ { n = 1 } })
    local err = u.raised(stream.open, src, { start = start, start_error = "expected start event" })
    assert.are.same({ "SandboxError", "expected start event", 1 }, { err.name, err.message, src.closed })
  end)

  it("maps a failure before the start through open_error, and closes", function()
    local src = source({ { raise = errors.TimeoutError:new("x", { code = "unavailable" }) } })
    local err = u.raised(stream.open, src, { start = start, open_error = function(e)
      return errors.SandboxNotFoundError:new("gone", { code = e.code }) end })
    assert.are.same({ "SandboxNotFoundError", "unavailable", 1 }, { err.name, err.code, src.closed })
  end)

  it("reads a client timeout at the deadline as envd's deadline_exceeded, not before it", function()
    local timeout = errors.TimeoutError:new("POST x: timed out", { kind = "timeout" })
    local s = stream.open(source({ START, { raise = timeout } }), { start = start, timeout = 0.001 })
    core.sleep_ms(5)
    assert.is_true(s:past_deadline())
    local err = u.raised(s.next, s)
    assert.are.same({ "TimeoutError", "deadline_exceeded" }, { err.name, err.code })
    assert.is_true(s:is_deadline(err))
    assert.is_nil(s:next())   -- closed by the failure
    s = stream.open(source({ START, { raise = timeout } }), { start = start, timeout = 60 })
    err = u.raised(s.next, s)
    assert.are.same({ "TimeoutError", "timeout" }, { err.name, err.kind })
    assert.is_false(s:is_deadline(err))
    s = stream.open(source({ START, { raise = map.rpc_error("deadline_exceeded", "m") } }), { start = start })
    assert.is_true(s:is_deadline(u.raised(s.next, s)))
  end)

  it("opens without a start check when none is asked for", function()
    local s = stream.open(source({ { n = 1 } }))
    assert.are.same({ 1, false }, { s:next().n, s:past_deadline() })
  end)
end)

describe("e2b.stream.ndjson", function()
  -- A reader handing out `body` cut at the given positions.
  local function reader(body, cuts)
    local r, i, parts, last = { closed = 0 }, 0, {}, 1
    for _, c in ipairs(cuts) do parts[#parts + 1] = body:sub(last, c) last = c + 1 end
    parts[#parts + 1] = body:sub(last)
    function r:read() i = i + 1 return parts[i] end
    function r:close() self.closed = self.closed + 1 end
    return r
  end

  local BODY = '{"type":"start"}\n{"text":"h\\u00e9"}\r\n\n{"n":3}'

  it("yields every object at every split point of the body", function()
    for a = 0, #BODY do
      for b = a, #BODY, 7 do
        local src = stream.ndjson(reader(BODY, { a, b }))
        local got = {}
        for v in src.next, src do got[#got + 1] = v end
        assert.are.same({ { type = "start" }, { text = "h\195\169" }, { n = 3 } }, got)
      end
    end
  end)

  it("opens through stream.open (start check) and fails on a malformed line", function()
    local r = reader('{"type":"start"}\nnot json\n', { 5 })
    local s = stream.open(stream.ndjson(r), { start = function(m) return m.type == "start" and m or nil end })
    assert.are.equal("start", s.start.type)
    local err = u.raised(s.next, s)
    assert.are.same({ "SandboxError", "malformed" }, { err.name, err.kind })
    assert.is_true(r.closed >= 1)
  end)
end)

describe("e2b.compat", function()
  it("pcall returns like pcall, yields through on 5.1, and keeps the caller's coroutine", function()
    assert.are.same({ false, "x" }, { compat.pcall(error, "x", 0) })
    assert.are.same({ true, 1, nil, 3, n = 4 }, compat.pack(compat.pcall(function() return 1, nil, 3 end)))
    local outer, seen
    local co = coroutine.create(function()
      outer = coroutine.running()
      return compat.pcall(function()
        seen = compat.root(coroutine.running())
        return coroutine.yield("up") + 1
      end)
    end)
    assert.are.same({ true, "up" }, { coroutine.resume(co) })
    assert.are.same({ true, true, 42 }, { coroutine.resume(co, 41) })
    assert.are.equal(outer, seen)
  end)
end)

describe("e2b.version", function()
  it("compares dotted versions", function()
    assert.are.same({ -1, 0, 1, 0 }, { version.compare("0.4.0", "0.10.0"), version.compare("0.6.13", "0.6.13"),
      version.compare("99.99.99", "0.5.2"), version.compare("1", "1.0.0") })
    assert.are.same({ true, false }, { version.at_least("0.5.2", "0.5.2"), version.at_least("0.5.1", "0.5.2") })
    assert.are.equal(require("e2b").version, version.SDK)
  end)
end)

describe("e2b.envd.errors", function()
  it("maps a stream's end: clean, an end-of-stream error, a non-200 answer", function()
    assert.is_nil(map.stream_end_error({}))
    assert.is_nil(map.stream_end_error(nil))
    local e = map.stream_end_error({ error = { code = "not_found", message = "no such file" } },
      { not_found = errors.FileNotFoundError })
    assert.are.same({ "FileNotFoundError", "not_found", 200, "no such file" }, { e.name, e.code, e.status, e.message })
    e = map.stream_end_error({ http_status = 502, body = '{"message":"gone"}' })
    assert.are.same({ "TimeoutError", "unavailable", 502 }, { e.name, e.code, e.status })
    assert.matches("^gone: This error is likely due to sandbox timeout", e.message)
    e = map.stream_end_error({ http_status = 418, body = "" })
    assert.are.same({ "SandboxError", "unknown: HTTP 418" }, { e.name, e.message })
  end)
end)

describe("e2b.connect", function()
  local connect = require("e2b.connect")
  local codec = connect.codec

  it("frames requests and reads streamed answers by the Connect rules", function()
    assert.are.equal("\0\0\0\1\0" .. ("x"):rep(256), connect.envelope(("x"):rep(256)))
    assert.are.same({ ["Content-Type"] = "application/connect+json", ["Connect-Protocol-Version"] = "1",
      ["Connect-Timeout-Ms"] = "1500" }, connect.headers({}, { streaming = true, timeout = 1.5 }))
    assert.are.same({ ["Content-Type"] = "application/json", ["Connect-Protocol-Version"] = "1" },
      connect.headers({}, { timeout = 0 }))
    local function res(h) return { header = function(_, name) return h[name] end } end
    assert.is_nil(codec.accept(200, res({ ["content-type"] = "application/connect+json" })))
    assert.is_nil(codec.accept(200, res({ ["content-type"] = "application/connect+json; charset=utf-8" })))
    assert.are.equal("raw", codec.accept(502, res({})))
    assert.are.equal("protocol", (codec.accept(200, res({ ["content-type"] = "text/html" }))))
    assert.are.equal("protocol", (codec.accept(200, res({}))))
    assert.are.same({ "message", { a = 1 } }, { codec.frame({ flags = 0, data = '{"a":1}' }) })
    assert.are.same({ "end", {} }, { codec.frame({ flags = 2, data = "{}" }) })
    assert.are.equal("malformed", select(2, codec.frame({ flags = 0, data = "[1" })))
    assert.are.same({ http_status = 404, body = "x" }, codec.raw_end(404, "x"))
  end)
end)
