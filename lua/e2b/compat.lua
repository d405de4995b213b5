--- Differences between Lua 5.1–5.4 and LuaJIT the SDK papers over, in one place. Depends on
--- nothing, so every module may require it.
---
--- ```lua
--- local compat = require("e2b.compat")
--- local pcall = compat.pcall          -- a task can yield through it on PUC 5.1 too
--- local t = compat.pack(f())          -- { n = select("#", ...), ... }
--- compat.unpack(t, 1, t.n)
--- ```
---@class e2b.compat
local compat = {}

compat.unpack = table.unpack or unpack

--- `{ n = select("#", ...), ... }`
function compat.pack(...) return { n = select("#", ...), ... } end

-- child coroutine (run by compat.pcall) -> the coroutine it runs for
local parent = setmetatable({}, { __mode = "k" })

--- The coroutine `co` stands for: itself, or — for the child coroutine of a `compat.pcall` — the
--- coroutine that called it (followed up through nested pcalls). Schedulers key their tasks on it.
---@param co thread?
---@return thread?
function compat.root(co)
  while co and parent[co] do co = parent[co] end
  return co
end

--- True when the running code can yield (PUC 5.1 has no isyieldable: any C frame — pcall, sort,
--- gsub… — between here and the coroutine's start blocks a yield). `level` is the stack level of
--- the caller to look from (default 3: the caller of the function calling this).
---@param level integer?
---@return boolean
function compat.can_yield(level)
  if coroutine.isyieldable then return coroutine.isyieldable() end
  if _VERSION ~= "Lua 5.1" then return true end
  if not coroutine.running() then return false end
  level = level or 3
  while true do
    local info = debug.getinfo(level, "S")
    if not info then return true end
    if info.what == "C" then return false end
    level = level + 1
  end
end

--- pcall that a coroutine can yield through on PUC 5.1 too (5.2+ and LuaJIT: the plain pcall).
--- On 5.1 it runs `fn` in a child coroutine and passes the child's yields up, resuming it with
--- whatever the outer coroutine is resumed with; `compat.root(child)` is the caller's coroutine.
---@param fn function
---@return boolean ok, any ...
function compat.pcall(fn, ...)
  if type(fn) ~= "function" then return pcall(fn, ...) end
  local me = coroutine.running()
  if not me or not compat.can_yield(3) then return pcall(fn, ...) end
  local args = compat.pack(...)
  local co = coroutine.create(function() return fn(compat.unpack(args, 1, args.n)) end)
  parent[co] = me
  local value
  while true do
    local res = compat.pack(coroutine.resume(co, value))
    if coroutine.status(co) == "dead" then
      parent[co] = nil
      -- Where pcall itself can be yielded through (5.2+, LuaJIT), it is the plain one: no wrapper
-- call on every SDK call's pcall (issue 12).
if _VERSION ~= "Lua 5.1" or type(jit) == "table" then compat.pcall = pcall end

return compat.unpack(res, 1, res.n)
    end
    value = coroutine.yield(res[2])     -- a scheduler's yield (or a user's plain one): up
  end
end

-- Where pcall itself can be yielded through (5.2+, LuaJIT), it is the plain one: no wrapper
-- call on every SDK call's pcall (issue 12).
if _VERSION ~= "Lua 5.1" or type(jit) == "table" then compat.pcall = pcall end

return compat
