--- Helpers for unit specs that run the SDK against spec/support/fake_transport.lua.
local F = require("spec.support.fake_transport")

local M = {}

M.KEY = "e2b_0123456789abcdef0123456789abcdef01234567"
M.TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

--- Connection options that never touch the network or the environment.
function M.opts(fake, extra)
  local o = { api_key = M.KEY, api_url = "https://api.test", domain = "e2b.app", debug = false, _transport = fake }
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

--- A fake transport plus a sandbox created through it (envd 0.6.13, secure): `extra` connection
--- options, `created` fields of the create answer, `class` the Sandbox class (default e2b's).
function M.sandbox(extra, created, class)
  local fake = F.new()
  local data = { sandboxID = "isbx1", envdVersion = "0.6.13", envdAccessToken = M.TOKEN,
                 templateID = "base", clientID = "6532622b" }
  for k, v in pairs(created or {}) do data[k] = v end
  fake:on("POST /sandboxes", function() return F.json(201, data) end)
  -- The environment (E2B_SANDBOX_URL of an emulator run) must not leak into unit specs.
  local config = require("e2b.config")
  local getenv = config.getenv
  config.getenv = function() return nil end
  local ok, sbx = pcall((class or require("e2b").Sandbox).create, M.opts(fake, extra))
  config.getenv = getenv
  if not ok then error(sbx, 0) end
  fake.create_request = fake.requests[1]   -- kept for specs of what create sent
  fake.requests = {}
  return sbx, fake
end

--- Raise-catching helper: the error object a call raised (fails when it returned).
function M.raised(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error, the call returned")
  return err
end

return M
