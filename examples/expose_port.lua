-- Serve files from a sandbox with `python3 -m http.server` and fetch one from sbx:get_url(port).
--
--   lua5.4 examples/expose_port.lua   (E2B with E2B_API_KEY, E2B_API_URL, or a local emulator)
--
-- get_url is what any HTTP client fetches: https://<port>-<id>.e2b.app on E2B, a loopback
-- listener http://127.0.0.1:N on the emulator (no DNS, no Host header). get_host keeps E2B's name.
local target = require("e2b.emulator").target()

local function fetch(url)
  local p = assert(io.popen("curl -sS --max-time 5 -w '\\n%{http_code}' '" .. url .. "' 2>/dev/null"))
  local out = p:read("*a")
  p:close()
  return out:match("^(.*)\n(%d+)$")
end

target:run({ timeout = 120 }, function(sbx)
  local port = 8000   -- the sandbox's own port 8000: other sandboxes may use it too
  sbx.files:write("/home/user/www/index.html", "<h1>hello from " .. sbx.sandbox_id .. "</h1>\n")
  sbx.commands:run("cd /home/user/www && python3 -m http.server " .. port .. " --bind 127.0.0.1",
    { background = true, timeout = 0 }):disconnect()

  print("E2B host: " .. sbx:get_host(port))
  local url = sbx:get_url(port)
  print("URL: " .. url)
  local body, status
  for _ = 1, 50 do   -- give the server a moment to listen
    body, status = fetch(url .. "/index.html")
    if status == "200" then break end
    os.execute("sleep 0.1")
  end
  print("HTTP " .. tostring(status) .. ": " .. tostring(body))
  assert(status == "200", "the server in the sandbox did not answer")
end)
