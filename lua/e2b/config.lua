--- Connection settings: per-call options first, then environment variables, then defaults.
---
--- ```lua
--- local cfg = require("e2b.config").resolve("Sandbox.create", { domain = "e2b.app" })
--- cfg.api_url           --> "https://api.e2b.app"
--- config.envd_url(cfg, "i123", nil)   --> "https://sandbox.e2b.app"
--- ```
---
--- | option          | environment       | default                                         |
--- |-----------------|-------------------|-------------------------------------------------|
--- | api_key         | E2B_API_KEY       | none: API calls raise AuthenticationError       |
--- | domain          | E2B_DOMAIN        | "e2b.app"                                       |
--- | api_url         | E2B_API_URL       | "https://api.<domain>" ("http://localhost:3000" in debug) |
--- | sandbox_url     | E2B_SANDBOX_URL   | derived per sandbox (see envd_url)              |
--- | debug           | E2B_DEBUG         | false                                           |
--- | request_timeout |                   | 60 seconds (0 = none)                           |
--- | headers         |                   | extra headers for the REST API only             |
--- | proxy           |                   | none                                            |
--- | ca_file         |                   | system CAs; a PEM bundle to trust instead (TLS) |
--- | validate_api_key| E2B_VALIDATE_API_KEY | true: key must match ^e2b_[0-9a-f]+$         |
--- | max_retries     |                   | 2: REST answers 429 (Retry-After) / 502, 503 on GET retried |
---@class e2b.config
local config = {}

local errors = require("e2b.errors")
local options = require("e2b.options")
local VERSION = require("e2b.version").SDK

config.ENVD_PORT = 49983
config.DEFAULT_DOMAIN = "e2b.app"
config.DEFAULT_REQUEST_TIMEOUT = 60
config.USER_AGENT = "e2b-lua-sdk/" .. VERSION

--- Where environment variables come from; specs replace it.
config.getenv = os.getenv

-- Domains served by the shared edge host `sandbox.<domain>`, routed by headers.
local SHARED_HOST_DOMAINS = { ["e2b.app"] = true, ["e2b.dev"] = true, ["e2b.pro"] = true,
                              ["e2b-staging.dev"] = true }

---@class e2b.ConnectionOpts
---@field api_key string?
---@field domain string?
---@field api_url string?
---@field sandbox_url string?
---@field debug boolean?
---@field request_timeout number?  seconds, 0 = none
---@field headers table<string,string>?
---@field proxy string?
---@field ca_file string?          PEM file of CAs to trust instead of the system's
---@field validate_api_key boolean?
---@field max_retries integer?     retries of REST calls answered 429 (or 502/503 on GET); default 2

--- The connection options every top-level call accepts, declared once (see options.declare).
--- `_transport` injects a transport object (specs use a fake one; see spec/support/fake_transport.lua).
config.CONNECTION = {
  { "api_key", "string" }, { "domain", "string" }, { "api_url", "string" }, { "sandbox_url", "string" },
  { "debug", "boolean" }, { "request_timeout", "seconds" }, { "headers", "string_map" },
  { "proxy", "string" }, { "ca_file", "string" }, { "validate_api_key", "boolean" },
  { "max_retries", "integer" }, { "_transport", "table" },
}

-- What a call on an object that already holds its connection (`sbx:kill(opts)`) accepts besides
-- its own options: the request timeout of this call.
local PER_CALL = { { "request_timeout", "seconds" } }

--- Declare a top-level call: its own `fields` (as for options.declare) plus the connection
--- options. `method_name` is the name of the same call made on an object that already holds a
--- connection (default: `name`); that form accepts the call's own options and `request_timeout`.
---
--- ```lua
--- local LIST = config.declare("Template.list", { { "limit", "integer", 100 } })
--- function Template.list(opts)
---   local o, cfg = config.call(LIST, opts)        -- checked options, resolved connection
---   local res, data = api.call(cfg, "GET", "/templates?limit=" .. o.limit)
--- end
--- ```
---@param name string
---@param fields table[]?
---@param method_name string?
---@return e2b.options.Decl
function config.declare(name, fields, method_name)
  local decl = options.declare(name, fields or {}, config.CONNECTION)
  decl.method = options.declare(method_name or name, fields or {}, PER_CALL)
  return decl
end

--- The one way a call resolves its connection: check `opts` against `decl` (from config.declare)
--- and return the options and the config to use. Without `base`, the options may carry every
--- connection option and the config is resolved from them and the environment
--- (config.resolve); with `base` (the config of an object the call is made on, e.g. a sandbox's)
--- only the call's own options and `request_timeout` are accepted, and the config is `base`
--- (a copy with that request timeout when given: the object keeps its own setting).
---@param decl e2b.options.Decl
---@param opts table?
---@param base e2b.Config?
---@return table o, e2b.Config cfg
function config.call(decl, opts, base)
  if base == nil then
    local o = decl:check(opts)
    return o, config.resolve(decl.name, o)
  end
  local o = (decl.method or decl):check(opts)
  if o.request_timeout == nil then return o, base end
  local copy = {}
  for k, v in pairs(base) do copy[k] = v end
  copy.request_timeout = o.request_timeout
  return o, copy
end

local function env_bool(name)
  local v = config.getenv(name)
  return v ~= nil and v:lower() == "true"
end

local function nonempty(v)
  if v == nil or v == "" then return nil end
  return v
end

-- A proxy URL's userinfo ("user:pass@") is a credential like the API key: register it, the
-- password alone, and the password percent-decoded (the form a shell variable would print).
local function hide_proxy_credentials(proxy)
  local authority = proxy and proxy:match("^%a[%w+.-]*://([^/?#]*)")
  local info = authority and authority:match("^(.*)@")   -- greedy: up to the last '@'

  if not info then return end
  errors.add_secret(info)
  local password = info:match(":(.*)$")
  if password and password ~= "" then
    errors.add_secret(password)
    errors.add_secret((password:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)))
  end
end

---@class e2b.Config
---@field api_key string?
---@field domain string
---@field api_url string
---@field sandbox_url string?
---@field debug boolean
---@field request_timeout number
---@field headers table<string,string>
---@field proxy string?
---@field ca_file string?
---@field validate_api_key boolean
---@field max_retries integer?
---@field transport table?

--- Resolve connection settings from checked options (already validated by options.check) and
--- the environment. Registers the API key as a secret.
---@param fname string
---@param o table
---@return e2b.Config
function config.resolve(fname, o)
  o = o or {}
  options.seconds(fname, "request_timeout", o.request_timeout)
  options.string_map(fname, "headers", o.headers)
  if o.max_retries ~= nil and o.max_retries < 0 then
    errors.InvalidArgumentError:raise(fname .. ": 'max_retries' must be 0 or more, got " .. o.max_retries)
  end
  local debug = o.debug
  if debug == nil then debug = env_bool("E2B_DEBUG") end
  local domain = nonempty(o.domain) or nonempty(config.getenv("E2B_DOMAIN")) or config.DEFAULT_DOMAIN
  local api_url = nonempty(o.api_url) or nonempty(config.getenv("E2B_API_URL"))
    or (debug and "http://localhost:3000" or ("https://api." .. domain))
  local validate = o.validate_api_key
  if validate == nil then
    local v = config.getenv("E2B_VALIDATE_API_KEY")
    validate = not (v ~= nil and v:lower() == "false")
  end
  local cfg = {
    api_key = nonempty(o.api_key) or nonempty(config.getenv("E2B_API_KEY")),
    domain = domain,
    api_url = (api_url:gsub("/+$", "")),
    sandbox_url = nonempty(o.sandbox_url) or nonempty(config.getenv("E2B_SANDBOX_URL")),
    debug = debug,
    request_timeout = o.request_timeout or config.DEFAULT_REQUEST_TIMEOUT,
    headers = o.headers or {},
    proxy = o.proxy,
    ca_file = o.ca_file,
    validate_api_key = validate,
    max_retries = o.max_retries,
    transport = o._transport,
  }
  if cfg.sandbox_url then cfg.sandbox_url = cfg.sandbox_url:gsub("/+$", "") end
  errors.add_secret(cfg.api_key)
  hide_proxy_credentials(cfg.proxy)
  return cfg
end

--- Raise AuthenticationError unless the config has a usable API key (checked before any request).
---@param cfg e2b.Config
function config.require_api_key(cfg)
  if not cfg.api_key then
    errors.AuthenticationError:raise("API key is required, please visit https://e2b.dev/docs to get it. " ..
      "You can either set the environment variable E2B_API_KEY or pass it directly as api_key")
  end
  if cfg.validate_api_key and not cfg.api_key:match("^e2b_[0-9a-f]+$") then
    errors.AuthenticationError:raise("Invalid API key format: expected e2b_ followed by hex digits " ..
      "(set validate_api_key = false or E2B_VALIDATE_API_KEY=false to skip this check)")
  end
end

--- Base URL of envd for one sandbox (RPC, /files, /health).
---@param cfg e2b.Config
---@param sandbox_id string
---@param sandbox_domain string?  the domain the API returned for this sandbox
---@return string
function config.envd_url(cfg, sandbox_id, sandbox_domain)
  if cfg.sandbox_url then return cfg.sandbox_url end
  if cfg.debug then return "http://localhost:" .. config.ENVD_PORT end
  local domain = nonempty(sandbox_domain) or cfg.domain
  if SHARED_HOST_DOMAINS[domain] then return "https://sandbox." .. domain end
  return ("https://%d-%s.%s"):format(config.ENVD_PORT, sandbox_id, domain)
end

--- Host (no scheme) of a port inside the sandbox.
---@param cfg e2b.Config
---@param sandbox_id string
---@param sandbox_domain string?
---@param port integer
---@return string
function config.host(cfg, sandbox_id, sandbox_domain, port)
  if cfg.debug then return "localhost:" .. port end
  return ("%d-%s.%s"):format(port, sandbox_id, nonempty(sandbox_domain) or cfg.domain)
end

--- Percent-encode a query value (RFC 3986 unreserved characters stay).
---@param s string
---@return string
function config.escape(s)
  return (tostring(s):gsub("[^%w%-%._~]", function(c) return ("%%%02X"):format(c:byte()) end))
end

--- "a=1&b=2" from an array of {name, value} pairs (nil values skipped).
---@param pairs_ table
---@return string
function config.query(pairs_)
  local out = {}
  for _, p in ipairs(pairs_) do
    if p[2] ~= nil then out[#out + 1] = config.escape(p[1]) .. "=" .. config.escape(p[2]) end
  end
  return table.concat(out, "&")
end

return config
