--- Strict checking of arguments and option tables.
---
--- Every public function checks its arguments here before doing anything, so a typo in an option
--- name fails at once with a clear message ("did you mean 'timeout'?") instead of being ignored.
---
--- ```lua
--- local options = require("e2b.options")
--- local SPEC = { timeout = "number", envs = "table", on_stdout = "function" }
--- local o = options.check("commands:run", opts, SPEC)   -- raises InvalidArgumentError
--- ```
---@class e2b.options
local options = {}

local errors = require("e2b.errors")

local function fail(msg)
  errors.InvalidArgumentError:raise(msg)
end

-- Levenshtein distance, small strings only (option names).
local function distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

--- The known name closest to `key`, when it is close enough to be a likely typo.
---@param key string
---@param known table<string, any>
---@return string?
function options.suggest(key, known)
  local best, best_d
  local lkey = key:lower()
  for name in pairs(known) do
    local d = distance(lkey, name:lower())
    if not best_d or d < best_d or (d == best_d and name < best) then best, best_d = name, d end
  end
  if best and best_d <= math.max(2, math.floor(#key / 3)) then return best end
  return nil
end

--- True when `s` is valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
--- Portable: Lua 5.1 and LuaJIT have no utf8 library.
---@param s string
---@return boolean
function options.utf8_valid(s)
  if not s:find("[\128-\255]") then return true end
  local i, n = 1, #s
  while i <= n do
    local c = s:byte(i)
    if c < 0x80 then
      i = i + 1
    else
      local len, min
      if c >= 0xC2 and c <= 0xDF then len, min = 2, 0x80
      elseif c >= 0xE0 and c <= 0xEF then len, min = 3, 0x800
      elseif c >= 0xF0 and c <= 0xF4 then len, min = 4, 0x10000
      else return false end
      if i + len - 1 > n then return false end
      local cp = c % (2 ^ (7 - len))
      for k = i + 1, i + len - 1 do
        local b = s:byte(k)
        if b < 0x80 or b > 0xBF then return false end
        cp = cp * 64 + (b - 0x80)
      end
      if cp < min or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF) then return false end
      i = i + len
    end
  end
  return true
end

-- Integers beyond 2^53 lose precision as doubles (and envd's fields are 32/64-bit): refused.
local MAX_INTEGER = 2 ^ 53

-- Why a string is not JSON text fit for a command line, env var or path; nil when it is.
local function text_problem(v)
  if not v:find("[%z\128-\255]") then return nil end   -- plain ASCII (a command line): nothing to check
  if v:find("\0", 1, true) then return "must not contain a NUL byte" end
  if not options.utf8_valid(v) then return "must be valid UTF-8 text" end
  return nil
end

-- `want` is a type name, "integer", "any", or a list of them. Returns ok and, for a value of
-- the right Lua type that breaks the wanted type's rule, why (e.g. "must not be empty").
--   "number"  any number but NaN      "integer" a whole number, finite, |n| <= 2^53
--   "text"    a string of valid UTF-8 without NUL (the wire is JSON; argv/env cannot carry NUL)
--   "path"    text that is not empty (envd reads "" as the home directory)
--   "nonempty" a string that is not empty (an id, name or secret: "" would address nothing)
--   "json"    a table that JSON can encode: no cycles, not nested deeper than 100
local type_ok
local function json_problem(t, seen, depth)
  if depth > 100 then return "is nested too deeply (more than 100 levels)" end
  if seen[t] then return "must not contain a cycle (a table inside itself)" end
  seen[t] = true
  for k, v in pairs(t) do
    if type(k) == "number" and (k ~= k or k == math.huge or k == -math.huge) then
      return "has a non-finite key"
    end
    if type(v) == "table" then
      local p = json_problem(v, seen, depth + 1)
      if p then return p end
    elseif type(v) == "number" and (v ~= v or v == math.huge or v == -math.huge) then
      return "holds a number JSON cannot carry (" .. tostring(v) .. ")"
    end
  end
  seen[t] = nil
  return nil
end

type_ok = function(value, want)
  if type(want) == "table" then
    local why
    for _, w in ipairs(want) do
      local ok, reason = type_ok(value, w)
      if ok then return true end
      why = why or reason
    end
    return false, why
  end
  if want == "text" or want == "path" then   -- first: every command, path and env var asks
    if type(value) ~= "string" then return false end
    if want == "path" and value == "" then return false, "must not be empty" end
    local p = text_problem(value)
    if p then return false, p end
    return true
  end
  if want == "any" then return true end
  -- a derived type's base: its rule refuses NaN with its own words
  if want == "raw_number" then return type(value) == "number" end
  if want == "number" then
    if type(value) ~= "number" then return false end
    if value ~= value then return false, "must be a number, got NaN" end
    return true
  end
  if want == "integer" then
    if type(value) ~= "number" then return false end
    if value ~= value or value == math.huge or value == -math.huge then
      return false, "must be integer, got " .. tostring(value)
    end
    if value ~= math.floor(value) then return false, "must be integer, got " .. tostring(value) end
    if value > MAX_INTEGER or value < -MAX_INTEGER then
      return false, ("must be integer of at most 2^53 in size, got %.17g"):format(value)
    end
    return true
  end
  if want == "nonempty" then
    if type(value) ~= "string" then return false end
    if value == "" then return false, "must not be empty" end
    return true
  end
  if want == "json" then
    if type(value) ~= "table" then return false end
    local p = json_problem(value, {}, 1)
    if p then return false, p end
    return true
  end
  if want == "callable" then
    if type(value) == "function" then return true end
    local mt = getmetatable(value)
    return type(mt) == "table" and mt.__call ~= nil
  end
  return type(value) == want
end

-- Derived types are named by their Lua type in messages ("must be string, got nil").
local SHOWN = { text = "string", path = "string", nonempty = "string", json = "table", raw_number = "number" }

local function describe(want)
  if type(want) == "table" then
    local names = {}
    for i, w in ipairs(want) do names[i] = SHOWN[w] or w end
    return table.concat(names, " or ")
  end
  return SHOWN[want] or want
end

--- Why `value` is not of type `want` (see above), or nil when it is. For checks outside a
--- declaration, e.g. the values of a table argument.
---@param value any
---@param want string|string[]
---@return string?
function options.problem(value, want)
  local ok, why = type_ok(value, want)
  if ok then return nil end
  return why or ("must be " .. describe(want) .. ", got " .. type(value))
end

--- Check one positional argument; returns it.
---@param fname string   e.g. "files:read"
---@param argname string e.g. "path"
---@param value any
---@param want string|string[]  type name(s); add "nil" to make it optional
---@return any
function options.arg(fname, argname, value, want)
  local ok, why = type_ok(value, want)
  if not ok then
    fail(("%s: argument '%s' %s"):format(fname, argname,
      why or ("must be " .. describe(want) .. ", got " .. type(value))))
  end
  return value
end

--- Check a process id: an integer that fits envd's uint32 pid field (so a bad one is refused here,
--- naming the argument, instead of by the server's JSON decoder).
---@param fname string
---@param pid any
---@return integer
function options.pid(fname, pid)
  options.arg(fname, "pid", pid, "integer")
  if pid < 0 or pid > 4294967295 then
    fail(("%s: argument 'pid' must be from 0 to 4294967295, got %.0f"):format(fname, pid))
  end
  return pid
end

--- Check an options table against `spec` (name -> wanted type). nil `opts` is an empty table.
--- Returns a shallow copy, so callers may fill in defaults without touching the user's table.
---@param fname string
---@param opts table?
---@param spec table<string, string|string[]>
---@param fields table?  internal: a declaration's fields (derived types check their base here)
---@return table
function options.check(fname, opts, spec, fields)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    fail(("%s: options must be a table, got %s"):format(fname, type(opts)))
  end
  local out = {}
  for k, v in pairs(opts) do
    if type(k) ~= "string" then
      fail(("%s: option names must be strings, got %s"):format(fname, type(k)))
    end
    local want = spec[k]
    if want == nil then
      local hint = options.suggest(k, spec)
      fail(("%s: unknown option '%s'%s"):format(fname, k,
        hint and (" (did you mean '" .. hint .. "'?)") or ""))
    end
    if fields then want = fields[k].base end   -- a declaration: the derived type's base
    local ok, why = type_ok(v, want)
    if not ok then
      fail(("%s: option '%s' %s"):format(fname, k, why or ("must be " .. describe(want) .. ", got " .. type(v))))
    end
    out[k] = v
  end
  return out
end

---------------------------------------------------------------------------------------------------
-- Declared calls: each public call declares its options once — name, type, default — and checks
-- its arguments through the declaration, which also carries the call's public name for errors.

-- Types beyond Lua's: a base type checked first, then a rule on the value.
local DERIVED = {
  seconds = { base = "raw_number", check = function(fname, name, v) options.seconds(fname, name, v) end },
  string_map = { base = "table", check = function(fname, name, v) options.string_map(fname, name, v) end },
  timestamp = { base = "raw_number", check = function(fname, name, v)
    if not (v >= 0) or v == math.huge then
      fail(("%s: option '%s' must be unix seconds >= 0, got %s"):format(fname, name, tostring(v)))
    end
  end },
}

---@class e2b.options.Decl
---@field name string                    the public name errors start with, e.g. "commands:run"
---@field fields table<string, {type: string|string[], default: any}>
local Decl = {}
Decl.__index = Decl

function Decl.__tostring(self) return "e2b.options.Decl(" .. self.name .. ")" end

local function add_fields(decl, list)
  for _, f in ipairs(list or {}) do
    local fname, want, default = f[1], f[2], f[3]
    if type(fname) ~= "string" or want == nil then
      error("options.declare(" .. decl.name .. "): fields are { name, type, default? }", 3)
    end
    local d = type(want) == "string" and DERIVED[want] or nil
    decl.fields[fname] = { type = want, base = d and d.base or want, rule = d and d.check, default = default }
    decl.types[fname] = want
    if default ~= nil then decl.defaults[#decl.defaults + 1] = { fname, default } end
  end
end

--- Declare a call's options once: `fields` (and each list in `...`) is an array of
--- `{ name, type, default? }`; type is a Lua type name, "integer", "callable", "any",
--- "seconds" (a number >= 0), "string_map" (strings to strings), "timestamp" (a finite unix time
--- >= 0), "text" (valid UTF-8, no NUL), "path" (non-empty text), "json" (no cycles), or a list of them.
---
--- ```lua
--- local RUN = options.declare("commands:run", {
---   { "timeout", "seconds", 60 }, { "envs", "string_map" }, { "on_stdout", "callable" } })
--- local o = RUN:check(opts)        -- a copy; defaults filled; InvalidArgumentError naming the call
--- RUN:arg("cmd", cmd, "string")    -- a positional argument
--- RUN:fail("cwd must be absolute") -- InvalidArgumentError "commands:run: cwd must be absolute"
--- ```
---@param name string
---@param fields table[]
---@return e2b.options.Decl
function options.declare(name, fields, ...)
  local decl = setmetatable({ name = name, fields = {}, types = {}, defaults = {} }, Decl)
  add_fields(decl, fields)
  for i = 1, select("#", ...) do add_fields(decl, (select(i, ...))) end
  return decl
end

--- The same declaration with more fields (or another name: `name` nil keeps it).
---@param name string?
---@param fields table[]
---@return e2b.options.Decl
function Decl:extend(name, fields)
  local list = {}
  for k, f in pairs(self.fields) do list[#list + 1] = { k, f.type, f.default } end
  return options.declare(name or self.name, list, fields)
end

--- A declaration for a nested options table, named "<call> <key>" (e.g. "Sandbox.create network").
---@param key string
---@param fields table[]
---@return e2b.options.Decl
function Decl:sub(key, fields)
  return options.declare(self.name .. " " .. key, fields)
end

--- Check an options table (nil = empty): unknown names fail with "did you mean", each value
--- must have its declared type. Returns a copy with the declared defaults filled in.
---@param opts table?
---@return table
function Decl:check(opts)
  -- per call (issue 12): the rules of the options given, then the declared defaults (listed
  -- once at declare time), instead of a walk over every declared field
  local o = options.check(self.name, opts, self.types, self.fields)
  if opts ~= nil then
    local fields = self.fields
    for k, v in pairs(o) do
      local rule = fields[k].rule
      if rule then rule(self.name, k, v) end
    end
  end
  local defaults = self.defaults
  for i = 1, #defaults do
    local d = defaults[i]
    if o[d[1]] == nil then o[d[1]] = d[2] end
  end
  return o
end

--- Check a positional argument of this call; returns it.
---@param argname string
---@param value any
---@param want string|string[]
---@return any
function Decl:arg(argname, value, want)
  return options.arg(self.name, argname, value, want)
end

--- Check a process id argument of this call (see options.pid).
---@param pid any
---@return integer
function Decl:pid(pid)
  return options.pid(self.name, pid)
end

--- Raise InvalidArgumentError "<call>: <msg>".
---@param msg string
function Decl:fail(msg)
  fail(self.name .. ": " .. msg)
end

options.Decl = Decl

--- Check that every key and value of a table are strings (envs, metadata, headers).
---@param fname string
---@param name string
---@param t table?
function options.string_map(fname, name, t)
  if t == nil then return end
  for k, v in pairs(t) do
    if type(k) ~= "string" or type(v) ~= "string" then
      fail(("%s: option '%s' must map strings to strings (bad entry %s = %s)"):format(
        fname, name, tostring(k), type(v)))
    end
    -- the wire is JSON text (or an HTTP header, an environment): no NUL, valid UTF-8
    local p = text_problem(k)
    if p then fail(("%s: option '%s': a key %s"):format(fname, name, p)) end
    p = text_problem(v)
    if p then fail(("%s: option '%s': the value of '%s' %s"):format(fname, name, k, p)) end
  end
end

--- The longest duration a call takes, in seconds: its milliseconds must fit the 32-bit signed
--- integers libcurl's timeouts are (about 24.8 days; 0 means no limit where a call allows it).
options.MAX_SECONDS = 2147483

--- Check a duration in seconds: a number from 0 to options.MAX_SECONDS.
---@param fname string
---@param name string
---@param v number?
function options.seconds(fname, name, v)
  if v ~= nil and (v ~= v or v < 0 or v > options.MAX_SECONDS) then
    fail(("%s: option '%s' must be a number of seconds from 0 to %d, got %s"):format(
      fname, name, options.MAX_SECONDS, tostring(v)))
  end
end

return options
