--- The one way to open a server stream: commands and PTYs (process.Process/Start, Connect),
--- directory watches (WatchDir), the code interpreter's NDJSON stream and background delivery all
--- go through it. It owns the rules every such stream shares:
---
--- * the first message must be the stream's `start` (else SandboxError `start_error`), read
---   before `open` returns, so whatever the caller does next is seen by the stream;
--- * the stream's own `timeout` (its lifetime; envd enforces it too) races the client's copy of
---   the same deadline: a client TimeoutError at the deadline and envd's deadline_exceeded read
---   as one error with `code = "deadline_exceeded"` (`s:is_deadline(err)`);
--- * any failure closes the source; `close()` is idempotent.
---
--- ```lua
--- local stream = require("e2b.stream")
--- local s = stream.open(client:stream("process.Process/Start", req, { timeout = 60 }), {
---   timeout = 60,
---   start = function(msg) return type(msg.event) == "table" and msg.event.start or nil end,
---   start_error = "Failed to start process: expected start event",
--- })
--- print(s.start.pid)
--- for msg in s.next, s do ... end   -- raises mapped errors; nil at the clean end
--- ```
---
--- A source is any object with `source:next()` → message table, or nil at the clean end (raising
--- `e2b.errors` on failure), and `source:close()`: envd's RPC stream (`EnvdClient:stream`), or
--- `stream.ndjson(reader)` over a transport reader whose body is one JSON object per line.
---@class e2b.stream
local stream = {}

local core = require("e2b.native")   -- the clock (now_ms) only
local errors = require("e2b.errors")
local map = require("e2b.envd.errors")
-- Waits happen inside these pcalls: compat.pcall lets a task yield through them on PUC 5.1 too.
local pcall = require("e2b.compat").pcall

---@class e2b.Stream
---@field start any          what `o.start` returned for the first message (nil without `o.start`)
---@field timeout number     the stream's lifetime in seconds (0 = none)
---@field deadline number?   core.now_ms() value at which the lifetime ends
---@field closed boolean
local Stream = {}
Stream.__index = Stream

function Stream.__tostring(self)
  return "e2b.Stream(" .. (self.closed and "closed" or "open") .. ")"
end

---@class e2b.StreamOpenOpts
---@field timeout number?                    the stream's lifetime in seconds (0/nil = none)
---@field start (fun(msg: table): any)?      the first message's start info, nil/false if it is not one
---@field start_error string?                the SandboxError message when it is not
---@field open_error (fun(err: any): any)?   maps a failure while waiting for the start

--- Open a stream over `source`: wait for its start message (with `o.start`) and arm the deadline.
--- Raises (after closing the source) when it fails or does not start.
---@param source table
---@param o e2b.StreamOpenOpts?
---@param timeout number?  overrides `o.timeout` (so a caller may keep one constant `o`; issue 12)
---@param deadline number?  the lifetime's end (core.now_ms() value) when the stream began earlier
---                         than now (a reader handing over: e2b.commands); default now + timeout
---@return e2b.Stream
function stream.open(source, o, timeout, deadline)
  o = o or {}
  timeout = timeout or o.timeout or 0
  if timeout > 0 and not deadline then deadline = core.now_ms() + timeout * 1000 end
  -- every field set here, so none is added later (no rehash per stream)
  local s = setmetatable({ source = source, timeout = timeout, closed = false, _source_closed = false,
    deadline = timeout > 0 and deadline or nil, start = nil, started = false }, Stream)
  if o.start then
    local ok, first = pcall(source.next, source)
    if not ok then
      s:close()
      if o.open_error then first = o.open_error(first) end
      error(first, 0)
    end
    local info = nil
    if type(first) == "table" then info = o.start(first) end
    if info == nil or info == false then
      s:close()
      errors.SandboxError:raise(o.start_error or "the stream did not start")
    end
    s.start = info
  end
  s.started = true
  return s
end

--- The error for a stream that outlived its `timeout`, whichever side noticed first.
---@return e2b.Error
function stream.deadline_error()
  return map.rpc_error("deadline_exceeded", "context deadline exceeded")
end

-- Clocks: libcurl's copy of the deadline starts when the request does, a moment before ours.
local SLACK_MS = 100

--- True when `err` is the end of the stream's lifetime: envd's `deadline_exceeded`, or the
--- client's TimeoutError once the lifetime is (all but) over — after the start, the only client
--- timeout left is the transport's copy of the same deadline.
---@param err any
---@return boolean
function Stream:is_deadline(err)
  if not errors.is(err) then return false end
  if err.code == "deadline_exceeded" then return true end
  return self.started == true and self.deadline ~= nil and err.kind == "timeout"
    and errors.is(err, errors.TimeoutError) and core.now_ms() >= self.deadline - SLACK_MS
end

--- True once the stream's lifetime has passed (a kill then is the timeout's doing).
---@return boolean
function Stream:past_deadline()
  return self.deadline ~= nil and core.now_ms() >= self.deadline
end

--- The next message, or nil at the clean end. Failures close the stream and raise; the deadline
--- raises `stream.deadline_error()` (or envd's own deadline_exceeded error).
---@return table?
function Stream:next()
  if self.closed then return nil end
  local ok, msg = pcall(self.source.next, self.source)
  if not ok then
    self:close()
    if self:is_deadline(msg) and msg.code ~= "deadline_exceeded" then msg = stream.deadline_error() end
    error(msg, 0)
  end
  if msg == nil then self.closed = true end
  return msg
end

--- Stop receiving (closes the source). Idempotent.
function Stream:close()
  self.closed = true
  if not self._source_closed then
    self._source_closed = true
    pcall(self.source.close, self.source)
  end
end

-- ---------------------------------------------------------------------------------------------
-- Sources

local json = require("e2b.json")

local MALFORMED = {}   -- queued in place of a bad line: the lines before it are still delivered

local function push_line(src, line)
  if src.bad or line:find("^%s*$") then return end   -- blank lines (and "\r") carry nothing
  local ok, v = pcall(json.decode, line)
  if not ok or type(v) ~= "table" then
    src.bad, src.done, v = true, true, MALFORMED
    pcall(src.reader.close, src.reader)
  end
  src.pn = src.pn + 1
  src.pending[src.pn] = v
end

local Lines = {}
Lines.__index = Lines

--- The next JSON object of the body, or nil at its end.
---@return table?
function Lines:next()
  while true do
    if self.pi <= self.pn then
      local v = self.pending[self.pi]
      self.pending[self.pi] = nil
      self.pi = self.pi + 1
      if v == MALFORMED then
        errors.SandboxError:raise("malformed NDJSON stream (a line is not a JSON object)", { kind = "malformed" })
      end
      return v
    end
    if self.done then return nil end
    local chunk = self.reader:read()
    if chunk == nil then
      self.done = true
      local rest = table.concat(self.carry)
      self.carry = {}
      push_line(self, rest)
    else
      local start = 1
      while true do
        local nl = chunk:find("\n", start, true)
        if not nl then break end
        local piece = chunk:sub(start, nl - 1)
        if #self.carry > 0 then   -- a line split across chunks: joined once, when it ends
          self.carry[#self.carry + 1] = piece
          piece = table.concat(self.carry)
          self.carry = {}
        end
        push_line(self, piece)
        start = nl + 1
      end
      if start <= #chunk then self.carry[#self.carry + 1] = chunk:sub(start) end
    end
  end
end

--- Stop reading (closes the reader).
function Lines:close()
  self.done = true
  self.reader:close()
end

--- A source of JSON objects over an NDJSON body (one object per line): `reader` is a transport
--- reader (`T:open(spec)`: `:read()` → chunk | nil at the end, `:close()`). Lines may be split
--- anywhere across chunks; blank lines are skipped; a line that is not a JSON object raises
--- SandboxError kind "malformed". Open it with `stream.open(stream.ndjson(reader), o)`.
---@param reader { read: fun(self): string?, close: fun(self) }
---@return table source
function stream.ndjson(reader)
  return setmetatable({ reader = reader, pending = {}, pi = 1, pn = 0, carry = {}, done = false }, Lines)
end

stream.Stream = Stream
return stream
