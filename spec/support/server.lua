-- Starts one of the loopback Node servers in spec/support (h2_server.js, proxy_server.js) for a
-- spec file and stops it again. The server prints one JSON ready line; its fields are returned
-- with `stop()` added.
local json = require("e2b.json")

local M = {}

---@param script string  e.g. "spec/support/h2_server.js"
---@param args string?   extra command-line arguments (already shell-quoted)
function M.start(script, args)
  local out = os.tmpname()
  -- $PPID in that shell is this Lua process: the server exits when it is gone
  os.execute(string.format("node %s --parent $PPID %s > %s 2>%s &", script, args or "", out,
                           os.getenv("ECHO_LOG") or "/dev/null"))
  local line
  for _ = 1, 200 do   -- 10 s: certificate generation included
    local f = io.open(out, "r")
    line = f and f:read("*l")
    if f then f:close() end
    if line then break end
    os.execute("sleep 0.05")
  end
  os.remove(out)
  assert(line, script .. " did not start")
  local info = json.decode(line)
  info.stop = function() os.execute(string.format("kill %d 2>/dev/null", info.pid)) end
  return info
end

return M
