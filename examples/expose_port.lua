-- Serve files from a sandbox with `python3 -m http.server` and fetch one through sbx:get_host(port).
--
--   lua5.4 examples/expose_port.lua   (E2B with E2B_API_KEY, E2B_API_URL, or a local emulator)
--
-- On E2B the host resolves: https://<port>-<id>.e2b.app. A local emulator serves every port on
-- its sandbox URL and routes by the Host header, so the example sends the host there.
local e2b = require("e2b")
local config = require("e2b.config")

local target = require("e2b.emulator").target()

local function fetch(url, host)
  local cmd = "curl -sS --max-time 5 -w '\\n%{http_code}' "
  if host then cmd = cmd .. "-H 'Host: " .. host .. "' " end
  local p = assert(io.popen(cmd .. "'" .. url .. "' 2>/dev/null"))
  local out = p:read("*a")
  p:close()
  return out:match("^(.*)\n(%d+)$")
end

target:run({ timeout = 120 }, function(sbx)
  local port = 8000   -- the sandbox's own port 8000: other sandboxes may use it too
  sbx.files:write("/home/user/www/index.html", "<h1>hello from " .. sbx.sandbox_id .. "</h1>\n")
  sbx.commands:run("cd /home/user/www && python3 -m http.server " .. port .. " --bind 127.0.0.1",
    { background = true, timeout = 0 }):disconnect()

  local host = sbx:get_host(port)
  print("public host: https://" .. host)
  local sandbox_url = config.getenv("E2B_SANDBOX_URL") or (target.emulator and target.emulator.sandbox_url)
  local url, host_header = "https://" .. host .. "/index.html", nil
  if sandbox_url then url, host_header = sandbox_url .. "/index.html", host end

  local body, status
  for _ = 1, 50 do   -- give the server a moment to listen
    body, status = fetch(url, host_header)
    if status == "200" then break end
    os.execute("sleep 0.1")
  end
  print("HTTP " .. tostring(status) .. ": " .. tostring(body))
  assert(status == "200", "the server in the sandbox did not answer")
end)
