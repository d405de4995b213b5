--- `require("e2b.safe")`: the same API as `require("e2b")`, returning `nil, err` instead of
--- raising (like lua-cjson's `cjson.safe`). It is derived by wrapping: every function — and every
--- method of every object a function returns (sandboxes, `sbx.commands`, `sbx.files`, handles,
--- paginators, iterators) — runs the raising code under pcall. One code path, two conventions.
---
--- ```lua
--- local e2b = require("e2b.safe")
--- local sbx, err = e2b.Sandbox.create()
--- if not sbx then print(err.name, err.message) return end
--- local r, err2 = sbx.commands:run("exit 3")    -- r == nil, err2.exit_code == 3
--- sbx:kill()
--- ```
---
--- `e2b.safe.errors` is the very same errors module (so `err:is(e2b.errors.NotFoundError)` works).
--- Iterators return `nil, err` on failure: check the second value when you drive them by hand.

local errors = require("e2b.errors")

local pack = table.pack or function(...) return { n = select("#", ...), ... } end
local unpack = table.unpack or unpack

local real_of = setmetatable({}, { __mode = "k" })   -- proxy -> real object
local proxy_of = setmetatable({}, { __mode = "kv" }) -- real object -> proxy (stable identity)
local wrapped_fn = setmetatable({}, { __mode = "kv" })

local wrap

local function is_error_side(v)
  if v == errors then return true end
  if type(v) ~= "table" then return false end
  if errors.is(v) then return true end
  return type(rawget(v, "name")) == "string" and errors.class(v.name) == v
end

-- Tables worth proxying: SDK objects (they have a metatable) and modules (they hold functions).
local function wants_proxy(t)
  if is_error_side(t) then return false end
  if getmetatable(t) ~= nil then return true end
  for _, v in pairs(t) do
    if type(v) == "function" then return true end
  end
  return false
end

local function wrap_results(res, from)
  for i = from, res.n do res[i] = wrap(res[i]) end
  return unpack(res, from, res.n)
end

local function wrap_fn(f)
  local w = wrapped_fn[f]
  if w then return w end
  w = function(...)
    local args = pack(...)
    for i = 1, args.n do
      local r = real_of[args[i]]
      if r ~= nil then args[i] = r end
    end
    local res = pack(pcall(f, unpack(args, 1, args.n)))
    if not res[1] then return nil, res[2] end
    return wrap_results(res, 2)
  end
  wrapped_fn[f] = w
  return w
end

local proxy_mt = {
  __index = function(p, k) return wrap(real_of[p][k]) end,
  __newindex = function(p, k, v) real_of[p][k] = v end,
  __tostring = function(p) return tostring(real_of[p]) end,
  __close = function(p, e)
    local mt = getmetatable(real_of[p])
    if mt and mt.__close then pcall(mt.__close, real_of[p], e) end
  end,
  __len = function(p) return #real_of[p] end,
  -- a callable module (e2b.Template(opts) makes a builder)
  __call = function(p, ...)
    local r = real_of[p]
    local mt = getmetatable(r)
    if not (mt and mt.__call) then return nil, errors.InvalidArgumentError:new(tostring(r) .. " is not callable") end
    return wrap_fn(mt.__call)(r, ...)
  end,
}

--- The safe view of `v`: functions return nil, err instead of raising; objects (tables with a
--- metatable or functions: sandboxes, handles, paginators) become proxies whose methods do the
--- same. `force` wraps any table.
function wrap(v, force)
  local t = type(v)
  if t == "function" then return wrap_fn(v) end
  if t ~= "table" or not (force or wants_proxy(v)) then return v end
  local p = proxy_of[v]
  if not p then
    p = setmetatable({}, proxy_mt)
    real_of[p] = v
    proxy_of[v] = p
  end
  return p
end

return wrap(require("e2b"), true)
