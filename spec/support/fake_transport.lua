--- A transport double for unit specs: records every request spec and answers from
--- handlers registered per "METHOD /path" (query string excluded), so request building, response
--- parsing and error mapping are tested without a network.
---
--- ```lua
--- local fake = require("spec.support.fake_transport").new()
--- fake:on("POST /sandboxes", function(req) return fake.json(201, { sandboxID = "i1" }) end)
--- local sbx = e2b.Sandbox.create({ api_key = KEY, _transport = fake })
--- fake.requests[1].headers["X-API-KEY"]
--- ```
--- Stream handlers return an array of messages; an entry { error = {code, message} } ends the
--- stream with that end-of-stream error, { http_status = n, body = "…" } with a non-200 answer,
--- { raise = err } raises err (a transport failure). Like the real transport, request
--- specs with unknown keys are refused.
local json = require("e2b.json")
local core = require("e2b.native")   -- the clock (busy_ms)

local Fake = {}
Fake.__index = Fake

local M = {}

function M.new()
  return setmetatable({ requests = {}, handlers = {} }, Fake)
end

--- A JSON response.
function M.json(status, value, headers)
  return { status = status, headers = headers or { ["content-type"] = "application/json" },
           body = value == nil and "" or json.encode(value) }
end

M.null = json.null

--- Register a handler for "METHOD /path".
function Fake:on(route, fn)
  self.handlers[route] = fn
end

local function route_of(spec)
  local path = spec.url:match("^https?://[^/]+(/[^?]*)") or spec.url
  return spec.method .. " " .. path
end

--- Parsed query parameters of a recorded request.
function M.query(spec)
  local q = {}
  local s = spec.url:match("%?(.*)$") or ""
  for k, v in s:gmatch("([^&=]+)=([^&]*)") do
    q[k] = v:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
  end
  return q
end

--- The JSON body of a recorded request, decoded.
function M.body(spec)
  local b = spec.body
  if b and spec.headers and spec.headers["Content-Type"] == "application/connect+json" then b = b:sub(6) end
  return b and json.decode(b)
end

local SPEC_KEYS = { method = true, url = true, headers = true, body = true, body_file = true,
  multipart = true, response_file = true, timeout = true, stream_timeout = true,
  on_progress = true, max_buffered = true, idle_timeout = true }

function Fake:_dispatch(spec)
  for k in pairs(spec) do
    if not SPEC_KEYS[k] then error("fake transport: unknown request option '" .. tostring(k) .. "'", 0) end
  end
  self.requests[#self.requests + 1] = spec
  self.last = spec
  local h = self.handlers[route_of(spec)]
  if not h then error("fake transport: no handler for " .. route_of(spec), 0) end
  return h(spec)
end

--- Retry back-off (api.call): recorded in `slept`, and really waited.
function Fake:sleep(seconds)
  self.slept = self.slept or {}
  self.slept[#self.slept + 1] = seconds
  require("e2b.core").sleep_ms(math.ceil(seconds * 1000))
end

function Fake:request(spec)
  local res = self:_dispatch(spec)
  if spec.response_file and res.status >= 200 and res.status < 300 then
    local f = assert(io.open(spec.response_file, "wb"))
    f:write(res.body or "")
    f:close()
    res = { status = res.status, headers = res.headers }
  end
  return res
end

local Stream = {}
Stream.__index = Stream

-- Stream:fold(true): as the core folds a take (push_folded in core/lua/request.c), the longest
-- run of records from here in the usual order — [start] (stdout|stderr)* [end] — becomes one
-- folded record (the fake has no takes: a run ends at anything else).
local function folded_run(self)
  local f, stage, j = { kind = "folded" }, 0, self.i + 1
  while true do
    local m = self.msgs[j]
    local kind = type(m) == "table" and m.kind
    if kind == "start" and stage == 0 then f.pid, stage = m.pid, 1
    elseif (kind == "stdout" or kind == "stderr") and stage <= 1 then f[kind], stage = (f[kind] or "") .. m.bytes, 1
    elseif kind == "end" and stage <= 1 then
      f.ended, f.exit_code, f.exited, f.status, f.error, stage = true, m.exit_code, m.exited, m.status, m.error, 2
    else break end
    j = j + 1
  end
  if j == self.i + 1 then return nil end
  self.i = j - 1
  return f
end

function Stream:next()
  local back = self.back
  if back then   -- as the real one: what was handed back comes again, exactly as it came
    self.back = nil
    if not back[1] then error(back[2], 0) end
    return back[2], back[3]
  end
  local f = self.folding and folded_run(self)
  if f then return f end
  self.i = self.i + 1
  local m = self.msgs[self.i]
  if m == nil then return nil, {} end
  if m.busy_ms then   -- time passing between two messages (a stream's deadline), then the next
    local t = core.now_ms() + m.busy_ms
    while core.now_ms() < t do end
    return self:next()
  end
  if type(m.error) == "table" then return nil, { error = m.error } end   -- (a string: an end record's field)
  if m.http_status then return nil, m end
  if m.raise then error(m.raise, 0) end
  return m
end

function Stream:push_back(ok, a, b) self.back = { ok, a, b } end

function Stream:fold(on) self.folding = on end

function Stream:unread(list)   -- in front of what comes next (a copy: the case's list is shared)
  local msgs = {}
  for k = 1, self.i do msgs[k] = self.msgs[k] end
  for _, m in ipairs(list) do msgs[#msgs + 1] = m end
  for k = self.i + 1, #self.msgs do msgs[#msgs + 1] = self.msgs[k] end
  self.msgs = msgs
end

function Stream:close() self.closed = true end

function Fake:stream(spec, codec)
  -- like the real one, a stream needs the codec of its protocol (e2b.connect passes it)
  if type(codec) ~= "table" or type(codec.mode) ~= "string" then error("fake transport: stream without a codec", 0) end
  if codec.mode == "lines" then return self:_lines(spec) end
  local msgs = self:_dispatch(spec)
  local s = setmetatable({ msgs = msgs, i = 0 }, Stream)
  self.streams = self.streams or {}
  self.streams[#self.streams + 1] = s
  return s
end

local Reader = {}
Reader.__index = Reader

function Reader:read()
  self.i = self.i + 1
  return self.chunks[self.i]
end

function Reader:close() self.closed = true end

--- Streaming download: the handler's response body is delivered in chunks of `chunk_size`.
function Fake:open(spec)
  local res = self:_dispatch(spec)
  local chunks, body, size = {}, res.body or "", self.chunk_size or 3
  for i = 1, #body, size do chunks[#chunks + 1] = body:sub(i, i + size - 1) end
  return setmetatable({ status = res.status, headers = res.headers or {}, chunks = chunks, i = 0 }, Reader)
end

local Lines = {}
Lines.__index = Lines

function Lines:next()
  if self.raise_first then
    local e = self.raise_first
    self.raise_first = nil
    error(e, 0)
  end
  self.i = self.i + 1
  local l = self.lines[self.i]
  if l ~= nil then
    if self.on_line then self.on_line(self.i, l) end
    return l
  end
  if self.status < 200 or self.status >= 300 then return nil, { http_status = self.status, body = self.body } end
  if self.raise then error(self.raise, 0) end
  return nil, {}
end

function Lines:close() self.closed = true end

--- Newline-delimited stream (`T:stream(spec, transport.lines)`): the handler returns a response
--- { status, headers, body }; a 2xx body is handed over one line at a time, then `res.raise` (if
--- set) is raised where the end would be; a non-2xx answer ends at once with
--- `{ http_status, body }`; `res.raise_open` is raised by the first next() (a failure before the
--- answer began). `res.on_line(i, line)` is called as each line is handed over.
function Fake:_lines(spec)
  local res = self:_dispatch(spec)
  local lines, body = {}, res.body or ""
  if res.status and res.status >= 200 and res.status < 300 then
    for l in (body:sub(-1) == "\n" and body or body .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = l end
    if body == "" then lines = {} end
  end
  local s = setmetatable({ status = res.status or 200, headers = res.headers or {}, lines = lines, i = 0, body = body,
                           raise = res.raise, raise_first = res.raise_open, on_line = res.on_line }, Lines)
  self.line_streams = self.line_streams or {}
  self.line_streams[#self.line_streams + 1] = s
  return s
end

return M
