--- The Connect protocol (connectrpc.com, JSON codec) in one place, over the C core's envelope
--- decoder (response mode "connect"): request headers and envelope, what a streamed answer
--- means (content type, end-of-stream frame, a non-200 answer), and nothing about envd.
---
--- ```lua
--- local connect = require("e2b.connect")
--- local h = connect.headers({ ["User-Agent"] = "x" }, { streaming = true, timeout = 60 })
--- local s = connect.stream(T, { method = "POST", url = url, headers = h,
---                              body = connect.envelope(json.encode(msg)) })
--- local msg = s:next()            -- a decoded message table …
--- local _, end_info = s:next()    -- … then nil and {} / { error = {code, message} } /
---                                 --   { http_status = n, body = "<raw>" } (non-200 answer)
--- ```
---@class e2b.connect
local connect = {}

local json = require("e2b.json")

--- Envelope flag of the end-of-stream message.
connect.FLAG_END = 2

local pack = string.pack   -- 5.3+: one C call; 5.1/5.2/LuaJIT: string.char

--- Wrap one message in a Connect envelope: flags 0, 4-byte big-endian length, payload.
---@param payload string
---@return string
function connect.envelope(payload)
  local n = #payload
  if pack then return pack(">I1I4", 0, n) .. payload end
  local floor = math.floor
  return string.char(0, floor(n / 16777216) % 256, floor(n / 65536) % 256, floor(n / 256) % 256, n % 256) .. payload
end

local function ms(seconds)
  return ("%d"):format(math.ceil(seconds * 1000))
end

--- Add the Connect headers of a call to `h` (returned): content type (unary JSON or enveloped
--- stream), protocol version, and `Connect-Timeout-Ms` when `o.timeout` (seconds) is > 0.
---@param h table<string,string>
---@param o { streaming: boolean?, timeout: number? }
---@return table<string,string>
function connect.headers(h, o)
  h["Content-Type"] = o.streaming and "application/connect+json" or "application/json"
  h["Connect-Protocol-Version"] = "1"
  if o.timeout and o.timeout > 0 then h["Connect-Timeout-Ms"] = ms(o.timeout) end
  return h
end

local MALFORMED = "malformed Connect stream (a message is not a JSON object)"

--- How the transport reads a streamed Connect answer (see transport.lua, T:stream).
connect.codec = {
  mode = "connect",
  eof = "Connect stream ended without an end-of-stream message",
  accept = function(status, res)
    if status ~= 200 then return "raw" end   -- the core hands the body over undecoded
    local ct = res:header("content-type") or ""
    if ct:sub(1, 24) ~= "application/connect+json" then   -- a prefix: "; charset=…" may follow
      return "protocol", "unexpected content type '" .. ct .. "' for a Connect stream"
    end
    return nil
  end,
  frame = function(m)
    local ok, v = pcall(json.decode, m.data)
    if not ok or type(v) ~= "table" then return "error", "malformed", MALFORMED end
    if m.flags == connect.FLAG_END then return "end", v end
    return "message", v
  end,
  raw_end = function(status, body)
    return { http_status = status, body = body }
  end,
}

--- The codec of envd's process streams (Start/Connect): as `connect.codec`, but the C core
--- decodes envd's messages of the usual shapes itself (core response mode "process"), so they
--- arrive as records (one per message):
---
--- * `{"event":{"data":{"stdout"|"stderr"|"pty":"<b64>"}}}` → `{ kind = "stdout", bytes = "<decoded>" }`
--- * `{"event":{"start":{"pid":412}}}` → `{ kind = "start", pid = 412 }`
--- * `{"event":{"end":{…}}}` → `{ kind = "end", exit_code = 0, exited = true, status = "exit status 0",
---   error = nil }` (absent fields as protojson's defaults; `error` only when sent)
--- * the end-of-stream message `{}` → the "end" frame with end_info `{}`
---
--- Every other message (unknown fields, escapes, an end-of-stream error, …) is a decoded JSON
--- table as usual. A stream asked to fold (transport Stream:fold) may also deliver
--- `{ kind = "folded", … }`, a take's usual messages in one record (see `connect.unfold`).
connect.process_codec = setmetatable({
  mode = "process",
  frame = function(m)
    local kind = m.kind
    if kind then
      if kind == "eos" then return "end", {} end
      return "message", m
    end
    return connect.codec.frame(m)
  end,
}, { __index = connect.codec })

--- The records a folded one (`{ kind = "folded", … }`, a take's usual process messages in one;
--- transport Stream:fold) was made of, in the order a reader would have had them (stdout before
--- stderr: their interleaving is not kept). `end_only`: only its end record.
---@param f table
---@param end_only boolean?
---@return table[]
function connect.unfold(f, end_only)
  local list = {}
  if not end_only then
    if f.pid ~= nil then list[#list + 1] = { kind = "start", pid = f.pid } end
    if f.stdout then list[#list + 1] = { kind = "stdout", bytes = f.stdout } end
    if f.stderr then list[#list + 1] = { kind = "stderr", bytes = f.stderr } end
  end
  if f.ended then
    list[#list + 1] = { kind = "end", exit_code = f.exit_code, exited = f.exited, status = f.status, error = f.error }
  end
  return list
end

--- Start a server-streaming Connect call on transport `T` (`spec` and `checked` as for T:stream).
--- `process_data`: the call is a process stream (see `connect.process_codec`).
---@param T table
---@param spec table
---@param process_data boolean?
---@param checked boolean?
---@return table stream  `:next()` → message, or nil, end_info; `:close()`
function connect.stream(T, spec, process_data, checked)
  return T:stream(spec, process_data and connect.process_codec or connect.codec, checked)
end

return connect
