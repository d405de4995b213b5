--- The management REST API (`https://api.<domain>`): build each request, send it through the
--- transport, map the answer (or the error) exactly as the official SDKs do.
---
--- ```lua
--- local api = require("e2b.api")
--- local cfg = require("e2b.config").resolve("x", {})
--- local created = api.create(cfg, { templateID = "base", timeout = 300, secure = true })
--- api.kill(cfg, created.sandboxID)   --> true, or false when it did not exist
--- ```
---@class e2b.api
local api = {}

local json = require("e2b.json")
local errors = require("e2b.errors")
local config = require("e2b.config")
local transport = require("e2b.transport")
local core = require("e2b.native")   -- the clock (now_ms) only
local VERSION = require("e2b.version").SDK


local function lang_version()
  if type(jit) == "table" and jit.version then return jit.version end
  return (_VERSION:gsub("^Lua ", ""))
end

local function system()
  if type(jit) == "table" and jit.os then return jit.os end
  return package.config:sub(1, 1) == "\\" and "Windows" or "unknown"
end

--- Headers of every REST request: key, identity, then the user's `headers` (which win).
---@param cfg e2b.Config
---@param with_body boolean
---@return table<string,string>
function api.headers(cfg, with_body)
  local h = {
    ["X-API-KEY"] = cfg.api_key,
    ["User-Agent"] = config.USER_AGENT,
    lang = "lua", lang_version = lang_version(), package_version = VERSION,
    publisher = "e2b", sdk_runtime = "lua", system = system(),
  }
  if with_body then h["Content-Type"] = "application/json" end
  for k, v in pairs(cfg.headers or {}) do h[k] = v end
  return h
end

local decode = json.try_decode

--- Map a non-2xx REST answer to an error object (§3.1): 401 auth, 429 rate limit, else SandboxError.
---@param res table  {status, headers, body}
---@return e2b.Error
function api.error_for(res)
  local status = res.status
  local parsed = decode(res.body)
  local message = type(parsed) == "table" and type(parsed.message) == "string" and parsed.message or nil
  local fields = { status = status,
    code = type(parsed) == "table" and type(parsed.error_code) == "string" and parsed.error_code or nil }
  if status == 401 then
    return errors.AuthenticationError:new("Unauthorized, please check your credentials. - " ..
      (message or res.body or ""), fields)
  elseif status == 429 then
    return errors.RateLimitError:new("Rate limit exceeded, please try again later - " ..
      (message or res.body or ""), fields)
  end
  if not message or message == "" then
    message = (res.body ~= nil and res.body ~= "") and res.body or "HTTP error"
  end
  if status == 503 then return errors.ServiceBusyError:new(status .. ": " .. message, fields) end
  return errors.SandboxError:new(status .. ": " .. message, fields)
end

-- The `code` of a JSON error body (the JS SDK keys its special cases on it, not on the status).
local function body_code(res)
  local parsed = decode(res.body)
  if type(parsed) == "table" and type(parsed.code) == "number" then return parsed.code end
  return res.status
end

api.DEFAULT_MAX_RETRIES = 2

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6, Jul = 7, Aug = 8, Sep = 9,
                 Oct = 10, Nov = 11, Dec = 12 }

-- Unix seconds of a UTC civil date (os.time reads its table as local time).
local function utc_epoch(y, m, d, hh, mm, ss)
  y = m <= 2 and y - 1 or y
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * (m + (m > 2 and -3 or 9)) + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return (era * 146097 + doe - 719468) * 86400 + hh * 3600 + mm * 60 + ss
end

--- Seconds a Retry-After value asks to wait: delta seconds ("2"), or an HTTP date (RFC 9110:
--- IMF-fixdate "Wed, 21 Oct 2026 07:28:00 GMT", the obsolete RFC 850 and asctime forms) less
--- `now` (unix seconds, default the clock; a date in the past is 0). nil when it is neither.
---@param v string
---@param now number?
---@return number?
function api.retry_after_seconds(v, now)
  local secs = tonumber((v:match("^%s*(%d+%.?%d*)%s*$")))
  if secs then return secs end
  local d, mon, y, hh, mm, ss = v:match("^%s*%a+, (%d%d) (%a%a%a) (%d%d%d%d) (%d%d):(%d%d):(%d%d) GMT%s*$")
  if not d then   -- RFC 850: Wednesday, 21-Oct-26 07:28:00 GMT
    d, mon, y, hh, mm, ss = v:match("^%s*%a+, (%d%d)%-(%a%a%a)%-(%d%d) (%d%d):(%d%d):(%d%d) GMT%s*$")
    if y then y = tonumber(y) + 2000 end
  end
  if not d then   -- asctime: Wed Oct 21 07:28:00 2026
    mon, d, hh, mm, ss, y = v:match("^%s*%a+ (%a%a%a) +(%d%d?) (%d%d):(%d%d):(%d%d) (%d%d%d%d)%s*$")
  end
  local m = mon and MONTHS[mon]
  if not m then return nil end
  local at = utc_epoch(tonumber(y), m, tonumber(d), tonumber(hh), tonumber(mm), tonumber(ss))
  return math.max(0, at - (now or os.time()))
end

--- Seconds to wait before retrying `res`, or nil when it must not be retried: 429 with a
--- Retry-After (delta seconds), or 502/503 on a GET (Retry-After, else 0.5 s doubling per attempt).
--- Only GETs are idempotent enough to repeat after a 5xx; a POST (create) may already have acted.
---@param method string
---@param res table
---@param attempt integer  1 for the first retry
---@return number?
function api.retry_delay(method, res, attempt)
  local ra = res.headers and res.headers["retry-after"]
  local secs = ra and api.retry_after_seconds(tostring(ra))
  if res.status == 429 then return secs end
  if (res.status == 502 or res.status == 503) and method == "GET" then
    return secs or 0.5 * 2 ^ (attempt - 1)
  end
  return nil
end

--- Send one REST request. Returns the response and its decoded JSON body (nil when empty).
--- Answers that ask for a retry (see api.retry_delay) are retried at most `cfg.max_retries` times
--- (default 2), and only while the wait still fits the request timeout.
---@param cfg e2b.Config
---@param method string
---@param path string       appended to api_url, e.g. "/sandboxes"
---@param body table?       encoded as JSON
---@param timeout number?   request timeout in seconds (default cfg.request_timeout)
---@return table res, any data
function api.call(cfg, method, path, body, timeout)
  config.require_api_key(cfg)
  timeout = timeout or cfg.request_timeout
  local t = transport.shared(cfg)
  local max = cfg.max_retries or api.DEFAULT_MAX_RETRIES
  local started = core.now_ms()
  local function elapsed() return (core.now_ms() - started) / 1000 end
  local attempt = 0
  while true do
    local left = timeout
    if timeout > 0 then left = math.max(timeout - elapsed(), 0.001) end
    local res = t:request({
      method = method,
      url = cfg.api_url .. path,
      headers = api.headers(cfg, body ~= nil),
      body = body ~= nil and json.encode(body) or nil,
      timeout = left,
    })
    attempt = attempt + 1
    local delay = attempt <= max and api.retry_delay(method, res, attempt) or nil
    if not delay or (timeout > 0 and elapsed() + delay >= timeout) then
      return res, decode(res.body)
    end
    t:sleep(delay)
  end
end

local function ok(res) return res.status >= 200 and res.status < 300 end

local function seg(id) return config.escape(id) end

--- A path segment, percent-encoded (ids, names).
---@param v string
---@return string
api.segment = seg

local function check_id(fname, id)
  if type(id) ~= "string" or id == "" then
    errors.InvalidArgumentError:raise(fname .. ": argument 'sandbox_id' must be a non-empty string, got " ..
      (type(id) == "string" and "an empty string" or type(id)))
  end
end

local function expect_object(data, what)
  if type(data) ~= "table" then
    errors.SandboxError:raise("Unexpected response from the API for " .. what .. ": not a JSON object")
  end
  return data
end

---@class e2b.api.RequestOpts
---@field body table?                 sent as JSON
---@field query table?                array of { name, value } pairs (nil values skipped)
---@field timeout number?             seconds (default cfg.request_timeout)
---@field what string?                the call's name in "Unexpected response from the API for <what>"
---@field expect "object"|"array"|nil the shape a 2xx answer's JSON must have
---@field ok any                      returned for a 2xx answer instead of its JSON
---@field codes table<integer, any>?  a failed answer's result by its code (the JSON body's `code`,
---                                   else the status): a function is called with the answer (it
---                                   may raise), any other value is returned
---@field not_found string?           code 404 raises SandboxNotFoundError with this message

--- One REST call, answered: send it (api.call: retries, timeouts), return the decoded JSON of a
--- 2xx answer (checked against `o.expect`), map a failed one through `o.codes` / `o.not_found`,
--- else raise api.error_for's error. Returns the result and the raw answer.
---
--- ```lua
--- local data = api.request(cfg, "GET", "/templates/" .. api.segment(id),
---   { what = "get_template", expect = "object", codes = { [404] = function() errors.NotFoundError:raise("no " .. id) end } })
--- ```
---@param cfg e2b.Config
---@param method string
---@param path string
---@param o e2b.api.RequestOpts?
---@return any result, table res
function api.request(cfg, method, path, o)
  o = o or {}
  if o.query then
    local qs = config.query(o.query)
    if qs ~= "" then path = path .. "?" .. qs end
  end
  local res, data = api.call(cfg, method, path, o.body, o.timeout)
  if ok(res) then
    if o.ok ~= nil then return o.ok, res end
    if o.expect == "object" then expect_object(data, o.what or path) end
    if o.expect == "array" and type(data) ~= "table" then
      errors.SandboxError:raise("Unexpected response from the API for " .. (o.what or path) .. ": not a JSON array")
    end
    return data, res
  end
  local code = body_code(res)
  local case = o.codes and o.codes[code]
  if case ~= nil then
    if type(case) == "function" then return case(res), res end
    return case, res
  end
  if o.not_found and code == 404 then
    errors.SandboxNotFoundError:raise(o.not_found, { status = res.status })
  end
  error(api.error_for(res), 0)
end

--- `POST /sandboxes` with a NewSandbox body. Returns the Sandbox JSON (sandboxID, envdVersion, …).
--- A 404 means the template does not exist: TemplateError (the class the official SDKs use for
--- template problems) naming it, not a bare SandboxError.
---@param cfg e2b.Config
---@param body table
---@return table
function api.create(cfg, body)
  return (api.request(cfg, "POST", "/sandboxes", { body = body, what = "create", expect = "object",
    codes = { [404] = function(res)
      local e = api.error_for(res)
      local why = e.message:gsub("^404: ", "")
      errors.TemplateError:raise("Template '" .. tostring(body.templateID) .. "' not found: " ..
        why .. " (check the template name or alias, e.g. \"base\")",
        { status = res.status, code = e.code })
    end } }))
end

--- `POST /sandboxes/{id}/connect`: resume or attach. 404 → SandboxNotFoundError.
---@param cfg e2b.Config
---@param id string
---@param timeout integer  sandbox timeout in seconds
---@return table
function api.connect(cfg, id, timeout)
  check_id("Sandbox.connect", id)
  return (api.request(cfg, "POST", "/sandboxes/" .. seg(id) .. "/connect", { body = { timeout = timeout },
    what = "connect", expect = "object", not_found = "Paused sandbox " .. id .. " not found" }))
end

--- `DELETE /sandboxes/{id}`: true when killed, false when it did not exist.
---@param cfg e2b.Config
---@param id string
---@return boolean
function api.kill(cfg, id)
  check_id("Sandbox.kill", id)
  return (api.request(cfg, "DELETE", "/sandboxes/" .. seg(id), { ok = true, codes = { [404] = false } }))
end

--- `GET /sandboxes/{id}` → SandboxDetail JSON. 404 → SandboxNotFoundError.
---@param cfg e2b.Config
---@param id string
---@return table
function api.get_info(cfg, id)
  check_id("Sandbox.get_info", id)
  return (api.request(cfg, "GET", "/sandboxes/" .. seg(id), { what = "get_info", expect = "object",
    not_found = "Sandbox " .. id .. " not found" }))
end

--- `POST /sandboxes/{id}/timeout`. 404 → SandboxNotFoundError.
---@param cfg e2b.Config
---@param id string
---@param timeout integer seconds
function api.set_timeout(cfg, id, timeout)
  check_id("Sandbox.set_timeout", id)
  api.request(cfg, "POST", "/sandboxes/" .. seg(id) .. "/timeout", { body = { timeout = timeout }, ok = true,
    not_found = "Sandbox " .. id .. " not found" })
end

--- `PUT /sandboxes/{id}/network`: replaces the sandbox's egress rules. 404 → SandboxNotFoundError.
---@param cfg e2b.Config
---@param id string
---@param body table SandboxNetworkUpdateConfig (allowOut, denyOut, allow_internet_access, rules, egressProxy)
function api.update_network(cfg, id, body)
  check_id("Sandbox.update_network", id)
  api.request(cfg, "PUT", "/sandboxes/" .. seg(id) .. "/network", { body = body, ok = true,
    not_found = "Sandbox " .. id .. " not found" })
end

--- `POST /sandboxes/{id}/pause` `{"memory": keep_memory}`: true when paused, false when it already
--- was (409). 404 → SandboxNotFoundError.
---@param cfg e2b.Config
---@param id string
---@param keep_memory boolean
---@return boolean
function api.pause(cfg, id, keep_memory)
  check_id("Sandbox.pause", id)
  return (api.request(cfg, "POST", "/sandboxes/" .. seg(id) .. "/pause", { body = { memory = keep_memory },
    ok = true, codes = { [409] = false }, not_found = "Sandbox " .. id .. " not found" }))
end

--- `GET /sandboxes/{id}/metrics?start=&end=` (unix seconds) → SandboxMetric array.
---@param cfg e2b.Config
---@param id string
---@param start_s integer?
---@param end_s integer?
---@return table[]
function api.metrics(cfg, id, start_s, end_s)
  check_id("Sandbox.get_metrics", id)
  return (api.request(cfg, "GET", "/sandboxes/" .. seg(id) .. "/metrics", {
    query = { { "start", start_s and ("%d"):format(start_s) }, { "end", end_s and ("%d"):format(end_s) } },
    what = "metrics", expect = "array", not_found = "Sandbox " .. id .. " not found" }))
end

--- `GET /v2/sandboxes/{id}/logs` with `q` = { cursor (unix ms), limit, direction, level, search }
--- → the `logs` array ({timestamp, level, message, fields}).
---@param cfg e2b.Config
---@param id string
---@param q table
---@return table[]
function api.logs(cfg, id, q)
  check_id("Sandbox.get_logs", id)
  local data = api.request(cfg, "GET", "/v2/sandboxes/" .. seg(id) .. "/logs", {
    query = { { "cursor", q.cursor and ("%d"):format(math.floor(q.cursor)) }, { "limit", q.limit and ("%d"):format(q.limit) },
              { "direction", q.direction }, { "level", q.level }, { "search", q.search } },
    not_found = "Sandbox " .. id .. " not found" })
  if type(data) ~= "table" or type(data.logs) ~= "table" then
    errors.SandboxError:raise("Unexpected response from the API for logs: no 'logs' array")
  end
  return data.logs
end

--- The `metadata` list filter: each key and value escaped (twice, as the JS SDK's encoding ends up),
--- joined `k=v&k=v`; config.query escapes the whole string once more.
---@param metadata table<string,string>
---@return string
function api.metadata_filter(metadata)
  local keys = {}
  for k in pairs(metadata) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    parts[#parts + 1] = config.escape(config.escape(k)) .. "=" .. config.escape(config.escape(metadata[k]))
  end
  return table.concat(parts, "&")
end

--- One page of `GET /v2/sandboxes`. Returns the ListedSandbox array and the next token (or nil).
---@param cfg e2b.Config
---@param q { metadata: table?, state: string[]?, limit: integer?, next_token: string? }
---@return table[] items, string? next_token
function api.list_page(cfg, q)
  local params = {}
  if q.metadata and next(q.metadata) then params[#params + 1] = { "metadata", api.metadata_filter(q.metadata) } end
  if q.state and #q.state > 0 then params[#params + 1] = { "state", table.concat(q.state, ",") } end
  if q.limit then params[#params + 1] = { "limit", ("%d"):format(q.limit) } end
  if q.next_token then params[#params + 1] = { "nextToken", q.next_token } end
  local data, res = api.request(cfg, "GET", "/v2/sandboxes", { query = params, what = "list", expect = "array" })
  local token = res.headers and res.headers["x-next-token"]
  if token == "" then token = nil end
  return data, token
end

return api
