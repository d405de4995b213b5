-- Receive E2B lifecycle webhooks: a small HTTP receiver on loopback (libuv via luv), a webhook
-- registered for it, a sandbox started and killed, and each delivery's signature verified
-- before its event is trusted.
--
--   lua5.4 examples/webhook_receiver.lua   (E2B_API_URL/E2B_API_KEY, or a local emulator)
--
-- The receiver listens on 127.0.0.1 only: with real E2B it would have to be reachable from the
-- internet (behind your own HTTPS endpoint); the local emulator delivers to loopback.
local e2b = require("e2b")
local json = require("e2b.json")
local uv = require("luv")

local target = require("e2b.emulator").target()
local secret = "example-secret-" .. tostring(os.time())   -- yours: a long random string, kept private

-- The receiver: one request per connection, answered 200 once its body is complete.
local events = {}
local server = uv.new_tcp()
assert(server:bind("127.0.0.1", 0))
local port = server:getsockname().port
assert(server:listen(16, function(err)
  assert(not err, err)
  local c = uv.new_tcp()
  server:accept(c)
  local buf = ""
  c:read_start(function(rerr, chunk)
    if rerr or not chunk then c:close() return end
    buf = buf .. chunk
    local head_end = buf:find("\r\n\r\n", 1, true)
    if not head_end then return end
    local headers = {}
    for k, v in buf:sub(1, head_end - 1):gmatch("\r\n([^:\r\n]+):%s*([^\r\n]*)") do headers[k:lower()] = v end
    local len = tonumber(headers["content-length"]) or 0
    if #buf < head_end + 3 + len then return end
    c:read_stop()
    local body = buf:sub(head_end + 4, head_end + 3 + len)       -- the raw body: verify before decoding
    local ok = e2b.Webhook.verify(secret, body, headers["e2b-signature"])
    if ok then events[#events + 1] = json.decode(body) end
    c:write(ok and "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
               or "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
      function() c:close() end)
  end)
end))

local hook = e2b.Webhook.create(target:options({ name = "example receiver", url = ("http://127.0.0.1:%d/e2b"):format(port),
  events = { "sandbox.lifecycle.created", "sandbox.lifecycle.killed" }, signature_secret = secret }))
print("webhook " .. hook.id .. " -> " .. hook.url)

local ok, err = pcall(function()
  local sbx = e2b.Sandbox.create(target:options({ timeout = 60 }))
  sbx:kill()
  -- Run the receiver's loop until both events came in (bounded).
  local deadline = uv.now() + 20000
  local tick = uv.new_timer()
  tick:start(50, 50, function() end)
  while #events < 2 and uv.now() < deadline do uv.run("once") end
  tick:close()
  for _, ev in ipairs(events) do
    print(("verified %s for %s"):format(ev.type, ev.sandboxId))
  end
  assert(#events == 2, "expected 2 signed deliveries, got " .. #events)
  for d in e2b.Webhook.deliveries(hook.id, target:options()):iter() do
    print(("delivery of %s: %s after %d attempt(s)"):format(d.event_type, d.attempts[#d.attempts].delivery_status, #d.attempts))
  end
end)
e2b.Webhook.delete(hook.id, target:options())
server:close()
uv.run("nowait")
target:stop()
if not ok then error(err, 0) end
