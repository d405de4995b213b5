--- The one place that drives `e2b.core`: turns request specs into core requests, waits for
--- them, and turns transport failures into `e2b.errors` objects.
---
--- ```lua
--- local T = transport.new({ request_timeout = 60, proxy = nil })
--- local res = T:request({ method = "GET", url = url, headers = { ["X-API-KEY"] = key } })
--- local s = T:stream({ method = "POST", url = rpc, body = body }, require("e2b.connect").codec)
--- for msg in s.next, s do ... end   -- then `local _, end_info = s:next()`
--- ```
---
--- Waiting lives in `T:wait(req, deadline)` (and `T:sleep(seconds)`) only. By default it blocks
--- in `client:step()`; a coroutine scheduler installs its waiter with
--- `transport.set_waiter(function(T, req, deadline) ... end, on_request)` (same contract: return
--- true when `req` may have news, false when `deadline` passed; `req` is nil for a sleep) and
--- yields inside it. `T.waiter` overrides it for one transport. e2b.async installs itself when
--- its first task is spawned or a host driver is set.
local core = require("e2b.native")
local errors = require("e2b.errors")
local options = require("e2b.options")

local transport = {}

-- ---------------------------------------------------------------------------------------------

local T = {}
T.__index = T

-- The scheduler's hooks (transport.set_waiter); nil = the blocking wait.
local waiter, on_request = nil, nil

--- Install a scheduler for every transport: `fn(T, req, deadline)` replaces the blocking wait
--- (`req` = nil: wait for the deadline only), `hook(req)` sees every request started. nil, nil
--- restores the blocking wait.
---@param fn (fun(T: table, req: userdata?, deadline: number?): boolean)?
---@param hook fun(req: userdata)?
function transport.set_waiter(fn, hook)
  waiter, on_request = fn, hook
end

local KB, MIB = 1024, 1024 * 1024
local DEFAULT_TIMEOUT = 60

--- New transport with one core client (its own connections, DNS and TLS session cache).
--- cfg: `request_timeout` (seconds, default 60, 0 = none), `proxy`, `ca_file`, `trace` (redacted libcurl
--- trace on stderr). Other fields of a resolved config are ignored.
---@param cfg table?
function transport.new(cfg)
  cfg = cfg or {}
  local rt = cfg.request_timeout
  if rt ~= nil and (type(rt) ~= "number" or not (rt >= 0) or rt > options.MAX_SECONDS) then
    errors.InvalidArgumentError:raise(("option 'request_timeout' must be a number of seconds from 0 to %d, got %s")
      :format(options.MAX_SECONDS, tostring(rt)))
  end
  return setmetatable({
    client = core.client(),
    request_timeout = rt or DEFAULT_TIMEOUT,
    proxy = cfg.proxy,
    ca_file = cfg.ca_file,
    trace = cfg.trace == true,
    news = setmetatable({}, { __mode = "k" }),   -- requests with news seen while waiting on others
    waiter = nil,
  }, T)
end

-- Shared transports, one per proxy and ca_file setting, so every sandbox reuses the same connections.
local pool = {}

--- The transport for a resolved config: the injected one (`cfg.transport`, a spec's fake), or
--- the shared real one for its (proxy, ca_file).
---@param cfg table
---@return table
function transport.shared(cfg)
  if cfg.transport then return cfg.transport end
  local key = (cfg.proxy or "") .. "\0" .. (cfg.ca_file or "")
  local t = pool[key]
  if not t then
    t = transport.new(cfg)
    pool[key] = t
  end
  return t
end

--- Wait until `req` may have news (new data or a state change) or `deadline` (core.now_ms()
--- value, nil = none) passed. Returns true on news, false on deadline. Other requests' news
--- seen meanwhile is remembered for their own wait.
---@return boolean
function T:wait(req, deadline)
  if self.news[req] then self.news[req] = nil return true end
  local st = req:state()
  if st == "done" or st == "failed" or st == "closed" then return true end
  local w = self.waiter or waiter
  if w then return w(self, req, deadline) end
  return self:block(req, deadline)
end

--- The blocking wait (no scheduler): step the client until `req` has news or `deadline`.
--- With `req` = nil it waits for the deadline, keeping every request's news.
---@return boolean
function T:block(req, deadline)
  if req and self.news[req] then self.news[req] = nil return true end
  while true do
    local wait = 1000
    if deadline then
      wait = deadline - core.now_ms()
      if wait <= 0 then return false end
      if wait > 1000 then wait = 1000 end
    end
    if req == nil and self.client:active() == 0 then
      core.sleep_ms(math.ceil(wait))
    else
      local hit, list = false, self.client:step(wait)
      for i = 1, #list do
        local r = list[i]
        if r == req then hit = true else self.news[r] = true end
      end
      if hit then return true end
    end
  end
end

--- Wait `seconds` (a retry's back-off) the way every wait goes: inside a task the others run
--- meanwhile; blocking, requests in flight keep being stepped (their news kept).
---@param seconds number
function T:sleep(seconds)
  local deadline = core.now_ms() + seconds * 1000
  while core.now_ms() < deadline do
    local w = self.waiter or waiter
    if w then w(self, nil, deadline) else self:block(nil, deadline) end
  end
end

--- Called by a scheduler's waiter after it stepped the client itself: remember the news.
function T:deliver(list)
  for _, r in ipairs(list) do self.news[r] = true end
end

-- ---------------------------------------------------------------------------------------------
-- Request specs

local SPEC_KEYS = { method = true, url = true, headers = true, body = true, body_file = true,
  multipart = true, response_file = true, timeout = true, stream_timeout = true,
  on_progress = true, max_buffered = true, idle_timeout = true }

local function bad(msg) errors.InvalidArgumentError:raise(msg) end

local function display_url(url)
  -- userinfo ends at the authority's last '@': a raw '@' in a password must not show its tail
  return (url:gsub("[?#].*$", ""):gsub("^(%a[%w+.-]*://)[^/?#]*@", "%1"))
end

-- A backstop: public calls check their durations first (options "seconds"), naming their own
-- option; this keeps a bad value from reaching the core as `timeout_ms`.
local MAX_SECONDS = options.MAX_SECONDS
local function seconds(v, name, dflt)
  if v == nil then return dflt end
  if type(v) ~= "number" or v < 0 or v ~= v or v > MAX_SECONDS then
    bad(("option '%s' must be a number of seconds from 0 to %d, got %s"):format(
      name, options.MAX_SECONDS, tostring(v)))
  end
  return v
end

-- header set -> its wire lines (transport.frozen_headers); weak: a set lives as long as its owner
local frozen = setmetatable({}, { __mode = "k" })

local function header_lines(h)
  local cached = frozen[h]
  if cached then return cached end
  local lines = {}
  if h == nil then return lines end
  if type(h) ~= "table" then bad("bad request option 'headers' (table {Name = value} expected)") end
  for k, v in pairs(h) do
    if type(k) ~= "string" or (type(v) ~= "string" and type(v) ~= "number") then
      bad("bad request option 'headers' (string names and string values expected)")
    end
    lines[#lines + 1] = k .. ": " .. tostring(v)
  end
  table.sort(lines)   -- deterministic order on the wire
  return lines
end

--- A header set sent on many requests (an envd client's RPC headers): `h` ({Name = value}) is
--- checked and its wire lines built and sorted now, once, instead of per request (issue 12).
--- Returns `h`, which must not be modified afterwards. The core only reads the lines.
---@param h table<string, string>
---@return table<string, string>
function transport.frozen_headers(h)
  frozen[h] = nil
  frozen[h] = header_lines(h)
  return h
end

-- The options table handed to the core: one, refilled per request (the core copies what it
-- keeps before client.request returns and never calls back into Lua), so starting a request
-- makes no table (issue 12). Every field is written on every use; the large ones are dropped
-- again right after (see T:_start).
local scratch = {
  method = false, url = false, headers = false, body = false, body_file = false, multipart = false,
  response = false, response_file = false, max_buffered = false, proxy = false, ca_file = false,
  verbose = false, timeout_ms = false,
}

-- Core options for spec; `mode` is the core response mode. `checked`: the SDK built spec
-- itself from values it checked (see T:stream), so the spec's shape is not checked again.
function T:_options(spec, mode, checked)
  if not checked then
    if type(spec) ~= "table" then bad("bad request spec (table expected, got " .. type(spec) .. ")") end
    for k in pairs(spec) do
      if not SPEC_KEYS[k] then bad("bad request spec: unknown option '" .. tostring(k) .. "'") end
    end
    if type(spec.method) ~= "string" then bad("bad request option 'method' (string expected)") end
    if type(spec.url) ~= "string" then bad("bad request option 'url' (string expected)") end
    if spec.on_progress ~= nil and type(spec.on_progress) ~= "function" then
      bad("bad request option 'on_progress' (function expected)")
    end
  end
  local o = scratch
  o.method, o.url, o.headers = spec.method, spec.url, header_lines(spec.headers)
  o.body, o.body_file, o.multipart = spec.body, spec.body_file, spec.multipart
  o.response, o.response_file = mode, mode == "file" and spec.response_file or nil
  o.max_buffered, o.proxy, o.ca_file, o.verbose = spec.max_buffered, self.proxy, self.ca_file, self.trace or nil
  o.timeout_ms = nil
  return o
end

function T:_start(spec, mode, timeout_ms, max_buffered, checked)
  local opts = self:_options(spec, mode, checked)
  -- 0 means "no limit" to the core: a positive limit never rounds down to it
  opts.timeout_ms = timeout_ms > 0 and math.max(1, math.floor(timeout_ms + 0.5)) or 0
  if opts.max_buffered == nil then opts.max_buffered = max_buffered end
  local ok, req = pcall(self.client.request, self.client, opts)
  opts.body, opts.multipart, opts.headers = nil, nil, nil   -- not kept alive by the next request's table
  if not ok then bad(tostring(req)) end   -- core rejected an option: a caller's mistake
  local hook = self.on_request or on_request   -- e2b.async: the owner task
  if hook then hook(req) end
  return req
end

local PHRASE = {
  timeout = "timed out", connect = "could not connect", dropped = "connection dropped",
  malformed = "malformed Connect stream", protocol = "protocol error", io = "local I/O failed",
  canceled = "canceled",
}

-- Raise the error for a failed core request.
local function fail(req, spec)
  local e = req:error() or { kind = "canceled", message = "request closed", curl_code = 0 }
  local msg = string.format("%s %s: %s (%s)", spec.method, display_url(spec.url),
                            PHRASE[e.kind] or e.kind, e.message)
  req:close()
  if e.kind == "timeout" then
    errors.TimeoutError:raise(msg, { kind = "timeout", curl_code = e.curl_code })
  end
  errors.SandboxError:raise(msg, { kind = e.kind, curl_code = e.curl_code })
end

local function timeout_error(req, spec, what, secs)
  req:close()
  errors.TimeoutError:raise(string.format("%s %s: timed out (%s within %g s)", spec.method,
    display_url(spec.url), what, secs), { kind = "timeout" })
end

local function progress(req, spec, last)
  local p = req:progress()
  local done, total
  if spec.body_file or spec.multipart or spec.body then
    done, total = p.up_now, p.up_total
  else
    done, total = p.down_now, p.down_total
  end
  if done ~= last then spec.on_progress(done, total) end
  return done
end

--- Send a request and wait for the whole answer. `spec.response_file`: a 2xx body is streamed
--- to that file (`body` is then nil); any other answer's body is returned as usual.
---@return {status: integer, headers: table, body: string?}
function T:request(spec)
  local timeout = seconds(spec and spec.timeout, "timeout", self.request_timeout)
  local to_file = type(spec) == "table" and spec.response_file ~= nil
  local req = self:_start(spec, to_file and "file" or "buffer", timeout * 1000)
  local parts, last = {}, nil
  while true do
    local st = req:state()
    local chunk = req:take()
    if chunk and #chunk > 0 then parts[#parts + 1] = chunk end
    if spec.on_progress then
      -- the caller's callback may raise: cancel the transfer rather than leave it pinned in flight
      local ok, done = pcall(progress, req, spec, last)
      if not ok then req:close() error(done, 0) end
      last = done
    end
    if st == "done" then break end
    if st == "failed" or st == "closed" then fail(req, spec) end
    -- with a progress callback, wake up now and then even without news
    self:wait(req, spec.on_progress and core.now_ms() + 100 or nil)
  end
  local res = { status = req:status(), headers = req:headers() or {} }
  local ok2xx = res.status >= 200 and res.status < 300
  if not (to_file and ok2xx) then res.body = core.join(parts) end   -- peak 2x the body, not 3x
  req:close()
  return res
end

--- `T:request` with the body uploaded from `spec.body_file` or `spec.multipart`.
T.upload = T.request

-- ---------------------------------------------------------------------------------------------
-- Streaming downloads

local Reader = {}
Reader.__index = Reader

-- Wait for the header block, bounded by the request timeout (or a failure).
local function await_headers(self, req, spec, timeout)
  local deadline = timeout > 0 and core.now_ms() + timeout * 1000 or nil
  while req:state() == "pending" do
    if not self:wait(req, deadline) then timeout_error(req, spec, "no response", timeout) end
  end
  if req:state() == "failed" then fail(req, spec) end
end

--- Open a download: returns a reader with `status`, `headers`, `r:read()` (next chunk, or nil at
--- the end) and `r:close()`. Memory stays flat: the core pauses the transfer while chunks wait.
--- `spec.timeout` bounds the wait for the headers and for each chunk (idle timeout);
--- `spec.stream_timeout` bounds the whole transfer (default none).
function T:open(spec)
  local timeout = seconds(spec and spec.timeout, "timeout", self.request_timeout)
  local total = seconds(spec and spec.stream_timeout, "stream_timeout", 0)
  local req = self:_start(spec, "buffer", total * 1000, 256 * KB)
  await_headers(self, req, spec, timeout)
  return setmetatable({ t = self, req = req, spec = spec, timeout = timeout,
                        status = req:status(), headers = req:headers() or {} }, Reader)
end

--- Next chunk of the body, or nil at the end. Raises the transport error on failure.
---@return string?
function Reader:read()
  local req, spec = self.req, self.spec
  if self.finished then return nil end
  while true do
    local st = req:state()
    local chunk = req:take()
    if chunk and #chunk > 0 then return chunk end
    if st == "done" then self:close() return nil end
    if st == "failed" or st == "closed" then self.finished = true fail(req, spec) end
    local deadline = self.timeout > 0 and core.now_ms() + self.timeout * 1000 or nil
    if not self.t:wait(req, deadline) then
      self.finished = true
      timeout_error(req, spec, "no data", self.timeout)
    end
  end
end

--- Stop reading (cancels the transfer if it is still running). Idempotent.
function Reader:close()
  self.finished = true
  self.req:close()
end

--- Download `spec.url`. With `on_chunk`, each chunk is passed to it as it arrives; with
--- `spec.response_file`, the body goes to that file. Returns { status, headers, body? }
--- (body only when neither was given, or for a non-2xx answer).
function T:download(spec, on_chunk)
  if on_chunk == nil then return self:request(spec) end
  if type(on_chunk) ~= "function" then bad("bad argument 'on_chunk' (function expected)") end
  local r = self:open(spec)
  local res = { status = r.status, headers = r.headers }
  local ok2xx = r.status >= 200 and r.status < 300
  local parts = {}
  while true do
    local ok, chunk = pcall(r.read, r)
    if not ok then r:close() error(chunk, 0) end
    if chunk == nil then break end
    if ok2xx then
      local ok2, err = pcall(on_chunk, chunk)
      if not ok2 then r:close() error(err, 0) end
    else
      parts[#parts + 1] = chunk
    end
  end
  if not ok2xx then res.body = table.concat(parts) end
  return res
end

-- ---------------------------------------------------------------------------------------------
-- Message streams: a core codec decodes the answer into messages; a protocol module (e2b.connect)
-- says what they mean. The transport only queues, waits and fails.

local Stream = {}
Stream.__index = Stream

---@class e2b.transport.Codec
---@field mode string   the core response mode that decodes the body into messages ("connect")
---@field accept fun(status: integer, res: { header: fun(self, name: string): string? }): (string?, string?)
---                     once the headers are known (`res:header("content-type")`: one header,
---                     lower-case name): nil (go on), "raw" (not decoded: the raw body ends the
---                     stream through raw_end) or an error kind plus a message
---@field frame fun(m: table): string, any, any
---                     one decoded message → "message", value | "end", end_info |
---                     "error", kind, message
---@field raw_end fun(status: integer, body: string): table   the end_info of a raw answer
---@field eof string?   the protocol error when the body ends without an "end" frame (nil: the
---                     protocol has no end frame, the body's end is the clean end: `nil, {}`)

--- Start a server stream whose messages `codec` interprets (see e2b.connect: connect.codec).
--- `spec.timeout` (default: request timeout) bounds the wait for the headers and the first
--- message; `spec.stream_timeout` (default 0 = none) the whole stream; `spec.idle_timeout`
--- (default 0 = none) the silence between two messages once the stream has started (a server
--- that pings keeps it alive; one that sends nothing at all fails with kind "stalled").
--- `checked` (internal): the SDK made `spec` itself, only of the keys above, from values it has
--- checked (an envd RPC on every command: its shape is not checked again per call; issue 12).
---@param spec table
---@param codec e2b.transport.Codec
---@param checked boolean?
function T:stream(spec, codec, checked)
  local timeout, total, idle
  if checked then
    timeout, total, idle = spec.timeout or self.request_timeout, spec.stream_timeout or 0, spec.idle_timeout or 0
  else
    if type(codec) ~= "table" or type(codec.mode) ~= "string" then bad("bad argument 'codec' (table expected)") end
    timeout = seconds(spec and spec.timeout, "timeout", self.request_timeout)
    total = seconds(spec and spec.stream_timeout, "stream_timeout", 0)
    idle = seconds(spec and spec.idle_timeout, "idle_timeout", 0)
  end
  local req = self:_start(spec, codec.mode, total * 1000, nil, checked)
  -- every field set here, so none is added later (no rehash per stream; issue 12)
  return setmetatable({ t = self, req = req, spec = spec, codec = codec, batch = false, bi = 1,
                        timeout = timeout, started = false, idle = idle > 0 and idle or false,
                        heard = false, checked = false, finished = false, end_info = false,
                        deadline = timeout > 0 and core.now_ms() + timeout * 1000 or false, back = false,
                        fold_takes = false }, Stream)
end

local function stream_error(s, kind, what)
  s.finished = true
  s.req:close()
  errors.SandboxError:raise(string.format("%s %s: %s", s.spec.method, display_url(s.spec.url), what),
                            { kind = kind })
end

-- An answer the codec does not decode: collect the raw body and end the stream with it.
local function raw_end(s)
  local req, parts = s.req, {}
  while true do
    local st = req:state()
    local chunk = req:take()
    if type(chunk) == "string" then parts[#parts + 1] = chunk end
    if st == "done" then break end
    if st == "failed" or st == "closed" then s.finished = true fail(req, s.spec) end
    if not s.t:wait(req, s.deadline or nil) then
      s.finished = true
      timeout_error(req, s.spec, "no complete answer", s.timeout)
    end
  end
  s.finished = true
  s.end_info = s.codec.raw_end(req:status(), table.concat(parts))
  req:close()
end

--- Next message (what the codec made of it), or `nil, end_info` at the end (end_info: what the
--- codec made of the end frame or of a raw answer). Transport failures raise.
---@return any, table?
function Stream:next()
  local back = self.back
  if back then   -- handed back (Stream:push_back): delivered again, exactly as it came
    self.back = false
    if not back[1] then error(back[2], 0) end
    return back[2], back[3]
  end
  local req, codec = self.req, self.codec
  while true do
    if self.finished then return nil, self.end_info or nil end
    -- the messages of the last take(), in order: the core's table is the queue (issue 12)
    local batch = self.batch
    if batch then
      local i = self.bi
      local m = batch[i]
      if m ~= nil then
        batch[i] = nil   -- a delivered message (maybe megabytes of output) is not kept alive
        self.bi = i + 1
        local what, a, b = codec.frame(m)
        if what == "end" then
          self.finished = true
          self.end_info = a
          req:close()
          return nil, a
        elseif what == "error" then
          stream_error(self, a, b)
        end
        self.started = true
        return a
      end
      self.batch = false
    end
    local st = req:state()
    if not self.checked and (st == "headers" or st == "done") then
      self.checked = true
      local verdict, message = codec.accept(req:status(), req)   -- (req:header: no headers table)
      if verdict == "raw" then raw_end(self) return nil, self.end_info end
      if verdict then stream_error(self, verdict, message) end
    end
    local got = st ~= "pending" and req:take(self.fold_takes)   -- no message comes before the headers
    if type(got) == "table" and got[1] ~= nil then
      if self.idle then self.heard = core.now_ms() end
      self.batch, self.bi = got, 1
    elseif st == "done" and codec.eof == nil then   -- a codec without end frames: the body's end
      self.finished = true
      self.end_info = {}
      req:close()
      return nil, self.end_info
    elseif st == "done" then
      stream_error(self, "protocol", codec.eof)
    elseif st == "failed" or st == "closed" then
      self.finished = true
      fail(req, self.spec)
    else
      local deadline = not self.started and self.deadline or nil
      local silent_at = self.idle and self.started and (self.heard or core.now_ms()) + self.idle * 1000 or nil
      if silent_at and (not deadline or silent_at < deadline) then deadline = silent_at end
      if not self.t:wait(req, deadline) then
        self.finished = true
        if silent_at and deadline == silent_at then
          req:close()
          errors.TimeoutError:raise(string.format("%s %s: the stream went silent (no data and no keepalive for %g s)",
            self.spec.method, display_url(self.spec.url), self.idle), { kind = "stalled" })
        end
        timeout_error(req, self.spec, "no first message", self.timeout)
      end
    end
  end
end

--- Hand back what the last `next()` gave — `ok` false: the error it raised; else its results
--- (message, or nil and end_info) — so that the next `next()` delivers it again. A reader that
--- only knows the usual messages (a fast path) stops there and lets the general reader take
--- over the same stream from exactly that point. One at a time.
---@param ok boolean
---@param a any
---@param b any
function Stream:push_back(ok, a, b)
  self.back = { ok, a, b }
end

--- From now on (`on` true) or no longer, take a process stream's usual messages folded: the
--- core makes one `{ kind = "folded", … }` record of each take's start, output and end (see
--- push_folded in core/lua/request.c) instead of a record per message. For a reader that only
--- keeps the output (stdout and stderr separately: their interleaving is not kept).
---@param on boolean
function Stream:fold(on)
  self.fold_takes = on and true or false
end

--- Put `msgs` (messages as the core gives them, e.g. a folded record taken apart) in front of
--- what the stream delivers next, in order. For a reader that hands over to another.
---@param msgs table
function Stream:unread(msgs)
  local batch, rest = self.batch, {}
  for i = 1, #msgs do rest[i] = msgs[i] end
  if batch then
    local i = self.bi
    while batch[i] ~= nil do rest[#rest + 1] = batch[i] i = i + 1 end
  end
  self.batch, self.bi = rest, 1
end

--- Cancel the stream (closes the HTTP exchange). Idempotent.
function Stream:close()
  if not self.finished then
    self.finished = true
    self.end_info = self.end_info or { canceled = true }
  end
  self.req:close()
end

-- ---------------------------------------------------------------------------------------------
-- Newline-delimited answers (NDJSON, e.g. the code interpreter's /execute)

--- The codec of newline-delimited answers, for `T:stream(spec, transport.lines)`: the C core
--- splits the body into lines as it arrives (response mode "lines"); each message is one line
--- (a string without its "\n"); the end of the body is the stream's clean end (`nil, {}`); a
--- non-2xx answer is not split and ends the stream with `{ http_status = n, body = "<raw>" }`.
---@type e2b.transport.Codec
transport.lines = {
  mode = "lines",
  accept = function(status)
    if status < 200 or status >= 300 then return "raw" end
    return nil
  end,
  frame = function(line) return "message", line end,
  raw_end = function(status, body) return { http_status = status, body = body } end,
  eof = nil,   -- no end frame: the body's end is the clean end
}

--- Close the client and every request on it.
function T:close()
  self.client:close()
end

transport.DEFAULT_TIMEOUT = DEFAULT_TIMEOUT
transport.MIB = MIB
return transport
