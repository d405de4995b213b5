--- A loopback HTTP receiver for webhook deliveries (luv): it listens on 127.0.0.1, answers each
--- POST with `status` (default 200) and keeps what arrived (method, path, headers, raw body).
local uv = require("luv")

local M = {}
M.__index = M

local function parse(buf)
  local head_end = buf:find("\r\n\r\n", 1, true)
  if not head_end then return nil end
  local head = buf:sub(1, head_end - 1)
  local method, path = head:match("^(%u+) (%S+) HTTP/1%.%d")
  local headers = {}
  for name, value in head:gmatch("\r\n([^:\r\n]+):%s*([^\r\n]*)") do headers[name:lower()] = value end
  local len = tonumber(headers["content-length"] or "0") or 0
  if #buf < head_end + 3 + len then return nil end
  return { method = method, path = path, headers = headers, body = buf:sub(head_end + 4, head_end + 3 + len) }
end

--- Start listening; `status(req)` (optional) says what to answer each request.
function M.start(status)
  local self = setmetatable({ received = {}, status = status }, M)
  self.server = uv.new_tcp()
  assert(self.server:bind("127.0.0.1", 0))
  self.port = self.server:getsockname().port
  self.url = ("http://127.0.0.1:%d/hook"):format(self.port)
  assert(self.server:listen(16, function(err)
    assert(not err, err)
    local c = uv.new_tcp()
    self.server:accept(c)
    local buf = ""
    c:read_start(function(rerr, chunk)
      if rerr or not chunk then c:close() return end
      buf = buf .. chunk
      local req = parse(buf)
      if not req then return end
      c:read_stop()
      local code = self.status and self.status(req) or 200
      if code == 200 then self.received[#self.received + 1] = req end
      c:write(("HTTP/1.1 %d X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"):format(code), function() c:close() end)
    end)
  end))
  return self
end

--- Run the loop until `done()` is true or `secs` pass; true when done.
function M:wait(done, secs)
  local deadline = uv.now() + secs * 1000
  local timer = uv.new_timer()
  timer:start(50, 50, function() end)    -- wake the loop now and then to re-check
  local ok = false
  while uv.now() < deadline do
    if done() then ok = true break end
    uv.run("once")
    uv.update_time()
  end
  timer:stop(); timer:close()
  return ok or done()
end

function M:close()
  if self.server and not self.server:is_closing() then self.server:close() end
  uv.run("nowait")
end

return M
