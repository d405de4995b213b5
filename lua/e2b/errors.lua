--- Structured errors raised by the SDK.
---
--- Every failure the SDK reports is a table made by one of these classes: it has a `name`, a
--- `message`, and where known the HTTP `status`, the Connect `code`, and a transport `kind`.
--- Classes form the same tree as the official SDKs, so `err:is(errors.NotFoundError)` is true for
--- a `FileNotFoundError` too.
---
--- ```lua
--- local ok, err = pcall(sbx.files.read, sbx.files, "/nope")
--- if errors.is(err, errors.FileNotFoundError) then print(err.message) end
--- ```
---
--- Secrets registered with `errors.add_secret` (the API key, envd access tokens, git credentials)
--- are replaced by `***` in every message built here, so a message can never leak them.
---@class e2b.errors
local errors = {}

---@class e2b.Error
---@field name string       class name, e.g. "NotFoundError"
---@field message string    human readable, secrets redacted
---@field status integer?   HTTP status, when the failure came from an HTTP answer
---@field code string?      Connect error code (e.g. "not_found"), when it came from envd RPC
---@field kind string?      transport failure kind: "timeout", "connect", "dropped", "malformed", …
local Error = {}
Error.__index = Error

-- Registered secrets: secret -> number of live registrations (permanent ones count too). A
-- registration with an owner (a sandbox's envd client) ends with errors.release(owner) or when
-- the owner is garbage-collected, so a long-lived process does not keep every token it saw.
local secrets = {}
local count = 0                                  -- distinct secrets registered
local owned = setmetatable({}, { __mode = "k" }) -- owner -> { secrets..., sentinel }
local released = {}                              -- lists of the collected owners, applied later
local index                                      -- 8-gram -> { secret, offset } (built lazily)
local INDEX_FROM = 8   -- fewer secrets: one plain find each is cheaper than a scan of the text

local function forget(list)
  for _, s in ipairs(list) do
    local n = secrets[s]
    if n then
      if n > 1 then secrets[s] = n - 1 else secrets[s] = nil count = count - 1 index = nil end
    end
  end
end

local function replace_all(s, secret)
  local i = 1
  while true do
    local a, b = s:find(secret, i, true)
    if not a then return s end
    s = s:sub(1, a - 1) .. "***" .. s:sub(b + 1)
    i = a + 3
  end
end

-- Finalizers only queue (they may run in the middle of a redaction); the queue is applied here.
local function apply_released()
  while #released > 0 do forget(table.remove(released)) end
end

-- An object whose finalizer queues `list` for release (5.2+: a table; 5.1 and LuaJIT: a proxy).
local function sentinel(list)
  local function gc() released[#released + 1] = list end
  if newproxy then
    local p = newproxy(true)
    getmetatable(p).__gc = gc
    return p
  end
  return setmetatable({}, { __gc = gc })
end

--- Register a secret so that no error message built afterwards can contain it. With `owner`, the
--- registration lasts as long as the owner: until `errors.release(owner)` or its collection.
---@param s string?
---@param owner any?
function errors.add_secret(s, owner)
  apply_released()
  if type(s) ~= "string" or #s < 4 then return end
  if owner ~= nil then
    local list = owned[owner]
    if not list then
      list = {}
      list.sentinel = sentinel(list)
      owned[owner] = list
    end
    list[#list + 1] = s
  end
  if secrets[s] then
    if owner ~= nil or secrets[s] ~= math.huge then secrets[s] = secrets[s] + 1 end
  else
    secrets[s] = 1
    count = count + 1
    index = nil
  end
  if owner == nil then secrets[s] = math.huge end   -- permanent (API key, git and proxy passwords)
end

--- End every registration `owner` made (a killed sandbox's token). Idempotent.
---@param owner any
function errors.release(owner)
  apply_released()
  local list = owned[owner]
  if not list then return end
  owned[owner] = nil
  getmetatable(list.sentinel).__gc = nil   -- released now, not again when collected
  forget(list)
end

--- Number of distinct secrets registered now (for tests and leak checks).
---@return integer
function errors.secret_count()
  apply_released()
  return count
end

-- Many long secrets (tokens, keys: >= 16 bytes): every occurrence covers one of the text's
-- positions 1, 9, 17, … with 8 of its bytes, at an offset 0-7 into the secret. Indexing each
-- secret by its 8-grams at those offsets, a scan looks up #s / 8 windows: cost ~ #s, not count.
local GRAM = 8
local LONG = 2 * GRAM
local shorts, all = {}, {}   -- longest first: a secret inside a longer one must not split it
local function longest_first(a, b) return #a > #b or (#a == #b and a < b) end
local function build_index()
  index, shorts, all = {}, {}, {}
  for secret in pairs(secrets) do
    all[#all + 1] = secret
    if #secret < LONG then
      shorts[#shorts + 1] = secret
    else
      for o = 0, GRAM - 1 do
        local k = secret:sub(o + 1, o + GRAM)
        local l = index[k]
        if not l then l = {} index[k] = l end
        l[#l + 1] = { secret, o }
      end
    end
  end
  table.sort(shorts, longest_first)
  table.sort(all, longest_first)
end

local function redact_indexed(s)
  local hits
  for j = 1, #s - GRAM + 1, GRAM do
    local l = index[s:sub(j, j + GRAM - 1)]
    if l then
      for _, e in ipairs(l) do
        local secret, at = e[1], j - e[2]
        if at >= 1 and s:sub(at, at + #secret - 1) == secret then
          hits = hits or {}
          hits[#hits + 1] = { at, at + #secret - 1 }
        end
      end
    end
  end
  if hits then
    table.sort(hits, function(x, y) return x[1] < y[1] or (x[1] == y[1] and x[2] > y[2]) end)
    local out, from = {}, 1
    for _, h in ipairs(hits) do
      if h[1] >= from then
        out[#out + 1] = s:sub(from, h[1] - 1)
        out[#out + 1] = "***"
        from = h[2] + 1
      elseif h[2] >= from then   -- overlaps the previous hit: hide its tail too
        from = h[2] + 1
      end
    end
    out[#out + 1] = s:sub(from)
    s = table.concat(out)
  end
  -- the short ones (passwords) are few: one find each
  for _, secret in ipairs(shorts) do s = replace_all(s, secret) end
  return s
end

--- Replace every registered secret in `s` by `***`.
---@param s string
---@return string
function errors.redact(s)
  s = tostring(s)
  apply_released()
  if count == 0 then return s end
  if not index then build_index() end
  if count >= INDEX_FROM then return redact_indexed(s) end
  for _, secret in ipairs(all) do s = replace_all(s, secret) end
  return s
end

local classes = {}

local function define(name, parent)
  local class = setmetatable({ name = name, parent = parent }, { __index = parent or Error })
  class.__index = class
  class.__tostring = Error.__tostring
  classes[name] = class
  errors[name] = class
  return class
end

function Error.__tostring(self)
  return self.name .. ": " .. self.message
end

--- Make an error of this class. `fields` are copied onto it (status, code, kind, stdout, …);
--- string fields are redacted like the message.
---@param message string
---@param fields table?
---@return e2b.Error
function Error.new(class, message, fields)
  local e = {}
  if fields then
    for k, v in pairs(fields) do
      e[k] = type(v) == "string" and errors.redact(v) or v
    end
  end
  e.name = class.name
  e.message = errors.redact(message or class.name)
  return setmetatable(e, class)
end

--- Raise an error of this class (never returns).
---@param message string
---@param fields table?
function Error.raise(class, message, fields)
  error(class:new(message, fields), 0)
end

--- True when this error is an instance of `class` or of one of its subclasses.
---@param class table
---@return boolean
function Error:is(class)
  local c = getmetatable(self)
  while c do
    if c == class then return true end
    c = c.parent
  end
  return false
end

--- True when `value` is an SDK error (of `class`, if given).
---@param value any
---@param class table?
---@return boolean
function errors.is(value, class)
  if type(value) ~= "table" then return false end
  local mt = getmetatable(value)
  if type(mt) ~= "table" or classes[mt.name] ~= mt then return false end
  return class == nil or value:is(class)
end

--- Look a class up by name ("NotFoundError"); nil when unknown.
---@param name string
---@return table?
function errors.class(name)
  return classes[name]
end

-- The tree mirrors the official SDKs (AuthenticationError is not a SandboxError there either).
define("SandboxError")
define("TimeoutError", errors.SandboxError)
define("InvalidArgumentError", errors.SandboxError)
define("NotEnoughSpaceError", errors.SandboxError)
define("NotFoundError", errors.SandboxError)
define("FileNotFoundError", errors.NotFoundError)
define("SandboxNotFoundError", errors.NotFoundError)
define("RateLimitError", errors.SandboxError)
define("ServiceBusyError", errors.SandboxError)   -- a 503: busy now, try again shortly
define("TemplateError", errors.SandboxError)
define("CommandExitError", errors.SandboxError)
define("GitUpstreamError", errors.SandboxError)
define("AuthenticationError")
define("GitAuthError", errors.AuthenticationError)
define("BuildError")
define("FileUploadError", errors.BuildError)

return errors
