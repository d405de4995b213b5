--- The client of envd, the daemon inside every sandbox: Connect RPC (unary and server-streaming,
--- JSON codec) and plain HTTP (/files, /health), on top of the transport.
---
--- It adds the headers every envd request carries (routing, access token, User-Agent), the per-call
--- user (`Authorization: Basic base64(user:)`), timeouts, and maps failures to `e2b.errors` exactly
--- as the official SDKs do (protocol doc §4.5 for RPC, §5.5 for HTTP).
---
--- ```lua
--- local envd = require("e2b.envd")
--- local c = envd.new(cfg, { sandbox_id = "i123", access_token = tok, envd_version = "0.6.13" })
--- local r = c:unary("filesystem.Filesystem/Stat", { path = "/tmp" }, { user = "root" })
--- local s = c:stream("process.Process/Start", req, { timeout = 60 })
--- for msg in s.next, s do ... end
--- ```
---@class e2b.envd
local envd = {}

local json = require("e2b.json")
local map = require("e2b.envd.errors")
local connect = require("e2b.connect")
local version = require("e2b.version")
local errors = require("e2b.errors")
-- Waits happen inside these pcalls: compat.pcall lets a task yield through them on PUC 5.1 too.
local pcall = require("e2b.compat").pcall
local config = require("e2b.config")
local transport = require("e2b.transport")
local core = require("e2b.native")


---------------------------------------------------------------------------------------------------
-- base64: Connect's JSON carries every byte of output as base64, so this is on the streaming hot
-- path. The C core does it (a pure-Lua loop cost 50x more CPU than the rest of a 64 MiB stream).

--- Encode bytes as standard base64 with padding.
---@param s string
---@return string
function envd.b64encode(s)
  return core.b64encode(s)
end

--- Decode base64 (padded or not, standard or URL-safe). Raises SandboxError on bad input.
---@param s string
---@return string
function envd.b64decode(s)
  if s:find("%s") then s = s:gsub("%s", "") end
  local out = core.b64decode(s)
  if not out then errors.SandboxError:raise("envd sent invalid base64 data") end
  return out
end

---------------------------------------------------------------------------------------------------
-- the client

---@class e2b.EnvdClient
---@field cfg e2b.Config
---@field sandbox_id string
---@field base_url string
---@field envd_version string
---@field access_token string?
local Client = {}
Client.__index = Client

function Client.__tostring(self)
  return "e2b.EnvdClient(sandbox=" .. self.sandbox_id .. ")"
end

--- Make the envd client of one sandbox. Registers the access token as a secret for as long as
--- the client lives (errors.release(client) when the sandbox is killed).
---@param cfg e2b.Config
--- `info.state` (optional) returns the sandbox's state from the API ("running" | "paused"); it is
--- asked only after envd answered "sandbox not reachable", to say so when the sandbox is paused.
---@param info { sandbox_id: string, access_token: string?, envd_version: string?, domain: string?, state: (fun(): string?)? }
---@return e2b.EnvdClient
function envd.new(cfg, info)
  local client = setmetatable({
    cfg = cfg,
    state = info.state,
    sandbox_id = info.sandbox_id,
    access_token = info.access_token,
    envd_version = info.envd_version or "0.6.13",
    base_url = config.envd_url(cfg, info.sandbox_id, info.domain),
  }, Client)
  errors.add_secret(info.access_token, client)
  return client
end

envd.DEFAULT_USER = "user"  -- only sent explicitly for envd < 0.4.0

--- Seconds between envd's keepalives on a stream (our Keepalive-Ping-Interval header), and how
--- many of them may be missed before a stream that sends nothing at all — no data, no keepalive —
--- fails with TimeoutError kind "stalled" (the output so far is kept on the error). Internal:
--- specs shorten the interval so a silent stream is detected in seconds.
envd.KEEPALIVE_INTERVAL = 50
envd.SILENT_PINGS = 3

--- The user to name on the wire: the given one, or "user" for old envd, or nil (envd's default).
---@param user string?
---@return string?
function Client:user(user)
  if user ~= nil then return user end
  local v = self.envd_version
  if self._old_for ~= v then   -- parsed once per version, not per call (issue 12)
    self._old_for, self._old = v, version.compare(v, "0.4.0") < 0
  end
  if self._old then return envd.DEFAULT_USER end
  return nil
end

-- "Basic base64(user:)" per user, built once per client.
local function basic(self, user)
  local cache = self._basic
  if not cache then cache = {} self._basic = cache end
  local v = cache[user]
  if not v then
    v = "Basic " .. envd.b64encode(user .. ":")
    cache[user] = v
  end
  return v
end

--- Headers of every envd request, plus Basic auth for `user` when given.
---@param user string?
---@return table<string,string>
function Client:headers(user)
  local h = {
    ["User-Agent"] = config.USER_AGENT,
    ["E2b-Sandbox-Id"] = self.sandbox_id,
    ["E2b-Sandbox-Port"] = tostring(config.ENVD_PORT),
  }
  if self.access_token then h["X-Access-Token"] = self.access_token end
  user = self:user(user)
  if user then h["Authorization"] = basic(self, user) end
  return h
end

-- An RPC's header sets, built once per client and kept frozen (transport.frozen_headers: their
-- wire lines are built and sorted once, not per request; issue 12), per (streaming, user on the
-- wire, timeout). Rebuilt when what they are made of changes; bounded (odd timeouts each make a set).
local MAX_HEADER_SETS = 32

function Client:_rpc_headers(streaming, user, timeout)
  user = self:user(user)
  local c = self._hsets
  if not c or c.token ~= self.access_token or c.interval ~= envd.KEEPALIVE_INTERVAL or c.n >= MAX_HEADER_SETS then
    c = { token = self.access_token, interval = envd.KEEPALIVE_INTERVAL, n = 0, [true] = {}, [false] = {} }
    self._hsets = c
  end
  local by_user = c[streaming][user or false]
  if not by_user then by_user = {} c[streaming][user or false] = by_user end
  local h = by_user[timeout]
  if h then return h end
  h = connect.headers(self:headers(user), { streaming = streaming, timeout = timeout })
  -- envd's keepalives: an idle stream is not a dead one, but a silent one is
  if streaming then h["Keepalive-Ping-Interval"] = ("%d"):format(envd.KEEPALIVE_INTERVAL) end
  h = transport.frozen_headers(h)
  by_user[timeout] = h
  c.n = c.n + 1
  return h
end

--- The transport this sandbox's requests go through (shared per config; see transport.shared).
---@return table
function Client:transport()
  local cfg = self.cfg
  if cfg.transport then return cfg.transport end   -- a spec's fake, looked up on every call
  local t = self._shared
  if not t then t = transport.shared(cfg) self._shared = t end   -- one per client, not a key per call
  return t
end

--- GET /health with a short timeout: true (running), false (502, gone), nil (unknown).
---@param timeout number?
---@return boolean?
function Client:health(timeout)
  local ok, res = pcall(function()
    return self:transport():request({ method = "GET", url = self.base_url .. "/health",
      headers = self:headers(nil), timeout = timeout or 5 })
  end)
  if not ok then return nil end
  if res.status == 502 then return false end
  if res.status >= 200 and res.status < 300 then return true end
  return nil
end

--- `err` says the sandbox could not be reached (the proxy's 502, Connect "unavailable"): when
--- the API says it is paused, one error says so — from files, commands and PTYs alike — a
--- TimeoutError (the class the official SDKs give a 502) with `paused = true`; else `err`.
---@param err any
---@return any
function Client:explain(err)
  if not (errors.is(err) and self.state and (err.status == 502 or err.code == "unavailable" or err.kind == "dropped")) then
    return err
  end
  local ok, state = pcall(self.state)
  if not ok or state ~= "paused" then return err end
  local id = self.sandbox_id
  return errors.TimeoutError:new("Sandbox " .. id .. " is paused: resume it with sbx:connect() or " ..
    "e2b.Sandbox.connect(\"" .. id .. "\") (or create it with lifecycle = { on_timeout = \"pause\", " ..
    "auto_resume = true } to resume on traffic)", { paused = true, status = err.status, code = err.code, kind = err.kind })
end

--- A dropped connection: ask /health whether the sandbox died (§4.5), else keep the error.
function Client:dropped(err)
  if errors.is(err) and err.kind == "dropped" and self:health(5) == false then
    local paused = self:explain(err)
    if paused ~= err then return paused end
    return errors.TimeoutError:new(err.message .. ": The sandbox was killed or reached its end of life " ..
      "while the request was in flight.", { kind = "dropped" })
  end
  return err
end

--- Transport raised `err` during an RPC: a dropped connection may mean the sandbox died.
function Client:rpc_failure(err)
  if errors.is(err) and err.kind then return self:dropped(err) end
  return err
end

---@class e2b.RpcOpts
---@field user string?             Basic-auth user (nil = envd's default)
---@field request_timeout number?  seconds, 0 = none (default cfg.request_timeout)
---@field errors table?            code → error class overrides

--- Unary Connect call (JSON codec). Returns the decoded response message.
---@param method string  "filesystem.Filesystem/Stat"
---@param msg table
---@param o e2b.RpcOpts?
---@return table
function Client:unary(method, msg, o)
  o = o or {}
  local timeout = o.request_timeout or self.cfg.request_timeout
  local h = self:_rpc_headers(false, o.user, timeout)
  local t = self:transport()
  local ok, res = pcall(t.request, t, { method = "POST", url = self.base_url .. "/" .. method,
    headers = h, body = json.encode(msg), timeout = timeout })
  if not ok then error(self:rpc_failure(res), 0) end
  if res.status ~= 200 then error(self:explain(map.unary_error(res, o.errors)), 0) end
  local data = json.try_decode(res.body)
  if type(data) ~= "table" then
    errors.SandboxError:raise("envd sent an invalid response to " .. method, { status = res.status })
  end
  return data
end

---@class e2b.StreamOpts: e2b.RpcOpts
---@field timeout number?  stream timeout in seconds (Connect-Timeout-Ms), 0 = none; default 60

---@class e2b.RpcStream
local Stream = {}
Stream.__index = Stream

--- Next message of a server stream (a table), or nil at the clean end. Raises the mapped error:
--- an end-of-stream error (§4.5), or a non-200 answer (code derived from the HTTP status).
---@return table?
function Stream:next()
  if self.closed then return nil end
  local ok, msg, info = pcall(self.raw.next, self.raw)
  if not ok then
    self:close()
    error(self.client:rpc_failure(msg), 0)
  end
  if msg ~= nil then return msg end
  self.closed = true
  local err = map.stream_end_error(info, self.errors)
  if err then error(self.client:explain(err), 0) end
  return nil
end

--- Stop receiving (closes the HTTP stream; the server side is told by the connection closing).
function Stream:close()
  if not self.closed_raw then
    self.closed_raw = true
    self.closed = true
    pcall(self.raw.close, self.raw)
  end
end

--- Server-streaming Connect call. Returns a stream (`:next()`, `:close()`).
---@param method string "process.Process/Start"
---@param msg table|string  the request message, or its JSON text already encoded
---@param o e2b.StreamOpts?
---@param process_data boolean?  a process stream: envd's usual messages arrive as the core's
---                              records (`{ kind = "stdout", bytes = "…" }`, …; connect.process_codec)
---@return e2b.RpcStream
function Client:stream(method, msg, o, process_data)
  return self:wrap_stream(self:open_stream(method, msg, o, process_data), o)
end

--- The transport stream under `Client:stream` (its messages as the codec makes them, its end as
--- `nil, end_info`, transport errors raised unmapped): for a reader of the usual messages only,
--- which hands over to `wrap_stream(raw, o)` (after `raw:push_back`) at anything else.
---@return table raw
function Client:open_stream(method, msg, o, process_data)
  o = o or {}
  local timeout = o.timeout
  if timeout == nil then timeout = 60 end
  local h = self:_rpc_headers(true, o.user, timeout)
  if type(msg) ~= "string" then msg = json.encode(msg) end
  local urls = self._urls
  if not urls or urls.base ~= self.base_url then urls = { base = self.base_url } self._urls = urls end
  local url = urls[method]
  if not url then url = self.base_url .. "/" .. method urls[method] = url end
  local ok, raw = pcall(connect.stream, self:transport(), { method = "POST", url = url,
    headers = h, body = connect.envelope(msg),
    timeout = o.request_timeout or self.cfg.request_timeout,   -- until the first message
    stream_timeout = timeout, idle_timeout = envd.KEEPALIVE_INTERVAL * envd.SILENT_PINGS },
    process_data, true)   -- checked: made here of the caller's checked options (issue 12)
  if not ok then error(self:rpc_failure(raw), 0) end
  return raw
end

--- The RPC stream over a transport stream from `open_stream` (errors mapped as §4.5 says).
---@param raw table
---@param o e2b.StreamOpts?
---@return e2b.RpcStream
function Client:wrap_stream(raw, o)
  return setmetatable({ raw = raw, client = self, errors = o and o.errors, closed = false, closed_raw = false }, Stream)
end

-- Send a /files-style request spec through the transport's `op` ("request" or "open"): envd
-- headers, full URL, default timeout; a dropped connection may mean the sandbox died.
function Client:_send(op, spec)
  local h = self:headers(nil)   -- the user goes in the `username` query for /files
  for k, v in pairs(spec.headers or {}) do h[k] = v end
  spec.headers = h
  spec.url = self.base_url .. spec.path
  spec.path = nil
  if spec.timeout == nil then spec.timeout = self.cfg.request_timeout end
  local t = self:transport()
  local ok, res = pcall(t[op], t, spec)
  if not ok then error(self:dropped(res), 0) end
  return res
end

local function is_2xx(status) return status >= 200 and status < 300 end

--- Plain HTTP to envd (/files, /health): `spec` as for the transport, with `path` (+ query)
--- instead of `url`. Returns the response on 2xx; raises the §5.5 error otherwise
--- (`overrides`: status → class).
---@param spec table
---@param overrides table?
---@return table
function Client:http(spec, overrides)
  local res = self:_send("request", spec)
  if not is_2xx(res.status) then error(self:explain(map.http_error(res, overrides)), 0) end
  return res
end

--- Streaming GET: returns an iterator over body chunks (nil at the end) and the reader.
--- Memory stays flat; `spec.timeout` is the idle timeout per chunk.
---@param spec table
---@param overrides table?
---@return fun(): string?, table
function Client:open(spec, overrides)
  local r = self:_send("open", spec)
  if not is_2xx(r.status) then
    local parts = {}
    while true do
      local ok, chunk = pcall(r.read, r)
      if not ok or chunk == nil then break end
      parts[#parts + 1] = chunk
    end
    r:close()
    error(self:explain(map.http_error({ status = r.status, body = table.concat(parts) }, overrides)), 0)
  end
  local client = self
  return function()
    local ok, chunk = pcall(r.read, r)
    if not ok then
      r:close()
      error(client:dropped(chunk), 0)
    end
    return chunk
  end, r
end

return envd
