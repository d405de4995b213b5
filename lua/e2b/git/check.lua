--- Argument checks for the git module (`e2b.git.check`): strict option tables and typed arguments, each failure
--- an InvalidArgumentError that names the method and the offending argument.
local errors = require("e2b.errors")
local options = require("e2b.options")

local check = {}

-- Options every git method forwards to `commands:run`, declared once (see options.declare).
local RUN = { { "envs", "string_map" }, { "user", "string" }, { "cwd", "path" }, { "timeout", "seconds" },
              { "request_timeout", "seconds" } }

local function bad(method, msg)
  errors.InvalidArgumentError:raise("git:" .. method .. ": " .. msg)
end
check.bad = bad

--- Check `t` (nil or a table) against `known` (name -> type, as for e2b.options) plus the
--- pass-through options: unknown names fail with "did you mean". Returns a copy of the options
--- and the pass-through ones split off for `commands:run`.
---@return table options, table run_options
function check.check(method, t, known)
  local fields = {}
  for k, v in pairs(known) do fields[#fields + 1] = { k, v } end
  local o = options.declare("git:" .. method, fields, RUN):check(t)
  local run = {}
  for _, f in ipairs(RUN) do run[f[1]] = o[f[1]] end
  return o, run
end

--- A string argument: non-empty unless `allow_empty`, never with a NUL byte (a shell
--- command cannot carry one).
function check.string(method, what, v, allow_empty)
  if type(v) ~= "string" then bad(method, what .. " must be string, got " .. type(v)) end
  if v == "" and not allow_empty then bad(method, what .. " must not be empty") end
  if v:find("\0", 1, true) then bad(method, what .. " must not contain a NUL byte") end
  -- git's arguments go into a command line sent as JSON text: bytes that are not UTF-8 would
  -- arrive as U+FFFD
  if not options.utf8_valid(v) then bad(method, what .. " must be valid UTF-8 text") end
  return v
end

--- Like check.string, but nil passes through.
function check.optional_string(method, what, v)
  if v == nil then return nil end
  return check.string(method, what, v)
end

--- nil, or an array of strings (a single string is taken as a one-element list).
function check.string_list(method, what, v)
  if v == nil then return nil end
  if type(v) == "string" then v = { v } end
  if type(v) ~= "table" then bad(method, what .. " must be a list of strings, got " .. type(v)) end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  if n ~= #v then bad(method, what .. " must be a list (array) of strings") end
  for i = 1, #v do check.string(method, what .. "[" .. i .. "]", v[i]) end
  return v
end

--- One of `choices` (or nil).
function check.choice(method, what, v, choices)
  if v == nil then return nil end
  for _, c in ipairs(choices) do
    if v == c then return v end
  end
  bad(method, what .. " must be one of " .. table.concat(choices, ", ") .. ", got '"
    .. tostring(v) .. "'")
end

return check
