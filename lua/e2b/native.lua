-- The C core (e2b.core) loaded on first use, not at require time. Loading it maps libcurl and its
-- TLS/HTTP/2 libraries and runs curl_global_init: two thirds of what require("e2b") used to cost
-- (issue 12: <= 5 ms). Modules hold this stand-in instead of the core and use it the same way
-- (`core.now_ms()`); the first field read loads the core, after which the stand-in's __index is
-- the core table itself, so later reads cost a table lookup, not a call.
--
-- curl_global_init runs once per process inside the core's luaopen (before any request can exist).
-- A core that cannot load (missing .so, missing libcurl) fails the call that needs it with a
-- SandboxError (kind "core") naming e2b.core and the loader's message; the next call tries again.
local NAME = "e2b.core"

local stand_in = {}
local mt = {}

function mt.__index(_, k)
  local ok, core = pcall(require, NAME)
  if not ok or type(core) ~= "table" then
    local why = ok and ("it returned " .. type(core) .. ", not its table") or tostring(core)
    require("e2b.errors").SandboxError:raise("the C core (module '" .. NAME .. "') could not be loaded: " .. why,
      { kind = "core" })
  end
  mt.__index = core
  return core[k]
end

return setmetatable(stand_in, mt)
