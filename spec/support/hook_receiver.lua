--- A loopback HTTP receiver for webhook deliveries, in its own process (luv): it listens on
--- 127.0.0.1, answers each request with `status` (200 or 500) and appends what arrived (method,
--- headers, raw body in base64) as one JSON line to a file this side reads. Its own process, so
--- nothing in the spec run's state (loops, drivers, blocking calls) can keep it from answering.
local json = require("e2b.json")
local core = require("e2b.core")

local CHILD = [=[
local uv = require("luv")
local core = require("e2b.core")
local json = require("e2b.json")
local portfile, outfile, status, parent = arg[1], arg[2], tonumber(arg[3]), tonumber(arg[4])
local server = uv.new_tcp()
assert(server:bind("127.0.0.1", 0))
assert(server:listen(64, function(err)
  if err then return end
  local c = uv.new_tcp()
  server:accept(c)
  local buf = ""
  c:read_start(function(rerr, chunk)
    if rerr or not chunk then c:close() return end
    buf = buf .. chunk
    local head_end = buf:find("\r\n\r\n", 1, true)
    if not head_end then return end
    local head = buf:sub(1, head_end - 1)
    local headers = {}
    for k, v in head:gmatch("\r\n([^:\r\n]+):%s*([^\r\n]*)") do headers[k:lower()] = v end
    local len = tonumber(headers["content-length"] or "0") or 0
    if #buf < head_end + 3 + len then return end
    c:read_stop()
    local f = io.open(outfile, "ab")
    f:write(json.encode({ method = head:match("^(%u+)"), headers = headers,
      body = core.b64encode(buf:sub(head_end + 4, head_end + 3 + len)) }), "\n")
    f:close()
    c:write(("HTTP/1.1 %d X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"):format(status), function() c:close() end)
  end)
end))
local f = io.open(portfile .. ".tmp", "wb")
f:write(tostring(server:getsockname().port))
f:close()
os.rename(portfile .. ".tmp", portfile)
-- bounded: stop after 120 s, or when the spec process is gone
local t = uv.new_timer()
local started = uv.now()
t:start(500, 500, function()
  local alive = os.execute("kill -0 " .. parent .. " 2>/dev/null")
  if uv.now() - started > 120000 or not (alive == true or alive == 0) then uv.stop() end
end)
uv.run()
]=]

local M = {}
M.__index = M

local function interpreter()
  local i = -1
  while arg and arg[i - 1] do i = i - 1 end
  return arg and arg[i] or "lua5.4"
end

local function q(s) return "'" .. tostring(s):gsub("'", "'\"'\"'") .. "'" end

local function my_pid()
  local f = io.open("/proc/self/stat", "rb")
  local s = f and f:read("*l") or ""
  if f then f:close() end
  -- /proc/self is the reader (this process) when opened by io.open
  return tonumber(s:match("^(%d+)")) or 1
end

--- Start a receiver answering every request with `status` (default 200).
function M.start(status)
  local base = os.tmpname()
  local script, portfile, outfile = base .. ".lua", base .. ".port", base .. ".jsonl"
  local f = assert(io.open(script, "wb"))
  f:write(CHILD)
  f:close()
  local cmd = ("LUA_PATH=%s LUA_CPATH=%s %s %s %s %s %d %d >/dev/null 2>&1 & echo $!"):format(q(package.path),
    q(package.cpath), q(interpreter()), q(script), q(portfile), q(outfile), status or 200, my_pid())
  local p = assert(io.popen(cmd))
  local pid = tonumber(p:read("*l"))
  p:close()
  local self = setmetatable({ pid = pid, files = { base, script, portfile, outfile }, outfile = outfile, received = {} }, M)
  for _ = 1, 100 do
    local pf = io.open(portfile, "rb")
    if pf then
      self.port = tonumber(pf:read("*a"))
      pf:close()
      if self.port then break end
    end
    os.execute("sleep 0.05")
  end
  if not self.port then self:close() error("the webhook receiver did not start") end
  self.url = ("http://127.0.0.1:%d/hook"):format(self.port)
  return self
end

--- Read what arrived so far into self.received ({method, headers, body}).
function M:poll()
  local f = io.open(self.outfile, "rb")
  if not f then return self.received end
  local out = {}
  for line in f:lines() do
    local r = json.decode(line)
    out[#out + 1] = { method = r.method, headers = r.headers, body = core.b64decode(r.body) }
  end
  f:close()
  self.received = out
  return out
end

--- Poll until `done()` is true or `secs` pass; true when done.
function M:wait(done, secs)
  local deadline = os.time() + secs
  repeat
    self:poll()
    if done() then return true end
    os.execute("sleep 0.1")
  until os.time() > deadline
  self:poll()
  return done() and true or false
end

function M:close()
  if self.pid then os.execute("kill " .. self.pid .. " 2>/dev/null") end
  self.pid = nil
  for _, p in ipairs(self.files) do os.remove(p) end
end

return M
