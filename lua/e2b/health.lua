--- `e2b.health(opts)`: is the E2B API up? (`GET /health`, no API key needed.)
---
--- ```lua
--- local e2b = require("e2b")
--- if pcall(e2b.health) then print("API is up") end
--- ```
---@class e2b.health
local health = {}

local config = require("e2b.config")
local api = require("e2b.api")
local transport = require("e2b.transport")

local HEALTH = config.declare("e2b.health")

--- True when the API answers its health check (2xx); raises otherwise (SandboxError with the
--- status, or the transport's error when it cannot be reached). Not retried.
---@param opts e2b.ConnectionOpts?
---@return boolean
function health.check(opts)
  local _, cfg = config.call(HEALTH, opts)
  local h = api.headers(cfg, false)
  if not cfg.api_key then h["X-API-KEY"] = nil end
  local res = transport.shared(cfg):request({ method = "GET", url = cfg.api_url .. "/health", headers = h,
    timeout = cfg.request_timeout })
  if res.status >= 200 and res.status < 300 then return true end
  error(api.error_for(res), 0)
end

return health
