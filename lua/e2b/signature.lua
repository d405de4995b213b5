--- Signed /files URLs (protocol §6): envd accepts `signature` (and `signature_expiration`) instead of
--- the X-Access-Token header, so a plain HTTP client can upload or download one path.
---
--- ```lua
--- local signature = require("e2b.signature")
--- signature.sign({ path = "/home/user/a.txt", operation = "read", user = "", token = tok })
---   --> "v1_…"
--- ```
---@class e2b.signature
local signature = {}

local core = require("e2b.native")
local config = require("e2b.config")
local errors = require("e2b.errors")
local options = require("e2b.options")

---@class e2b.SignatureInput
---@field path string        exactly as it goes into the URL ("" when omitted)
---@field operation "read"|"write"
---@field user string        the username in the URL, "" when omitted
---@field token string       the sandbox's envd access token
---@field expiration integer? unix seconds

--- `"v1_" .. base64(sha256(path:operation:user:token[:expiration]))` without `=` padding.
---@param s e2b.SignatureInput
---@return string
function signature.sign(s)
  local raw = s.path .. ":" .. s.operation .. ":" .. s.user .. ":" .. s.token
  if s.expiration then raw = raw .. ":" .. ("%d"):format(s.expiration) end
  return "v1_" .. (core.b64encode(core.sha256(raw)):gsub("=+$", ""))
end

---@class e2b.FileUrlOpts
---@field user string?                        the user the file is read/written as
---@field use_signature_expiration integer?   seconds the signature stays valid (secure sandboxes)

--- The /files URL of `path` on the sandbox's envd, signed when the sandbox has an access token.
--- No request is made. `operation` is "read" (download) or "write" (upload).
---@param client e2b.EnvdClient
---@param fname string
---@param operation "read"|"write"
---@param path string?
---@param opts e2b.FileUrlOpts?
---@return string
function signature.url(client, fname, operation, path, opts)
  if path ~= nil then options.arg(fname, "path", path, "path") end
  local o = options.check(fname, opts, { user = "string", use_signature_expiration = "integer" })
  local exp = o.use_signature_expiration
  if exp ~= nil and not client.access_token then
    errors.InvalidArgumentError:raise(fname .. ": Signature expiration can be used only when sandbox is created as secured.")
  end
  if exp ~= nil and exp <= 0 then
    errors.InvalidArgumentError:raise(fname .. ": use_signature_expiration must be a positive number of seconds")
  end
  local user = client:user(o.user)
  local q = { { "username", user }, { "path", path } }
  if client.access_token then
    local expiration = exp and (math.floor(os.time()) + exp) or nil
    q[#q + 1] = { "signature", signature.sign({ path = path or "", operation = operation, user = user or "",
                                                token = client.access_token, expiration = expiration }) }
    q[#q + 1] = { "signature_expiration", expiration and ("%d"):format(expiration) }
  end
  local qs = config.query(q)
  return client.base_url .. "/files" .. (qs ~= "" and "?" .. qs or "")
end

return signature
