--- Versions: the SDK's own (sent as `User-Agent: e2b-lua-sdk/<version>`, `e2b.version`) and the
--- comparison of dotted versions (envd's, to gate features).
---
--- ```lua
--- local version = require("e2b.version")
--- version.SDK                                 --> "0.1.0"
--- version.compare("0.4.0", "0.10.0")          --> -1
--- version.at_least(sbx.envd_version, "0.5.2") --> true / false
--- ```
---@class e2b.version
local version = {}

version.SDK = "0.1.0"

--- Compare two dotted versions ("0.6.13"); returns -1, 0 or 1. Missing parts count as 0.
---@param a string
---@param b string
---@return integer
function version.compare(a, b)
  local pa, pb = {}, {}
  for n in tostring(a):gmatch("%d+") do pa[#pa + 1] = tonumber(n) end
  for n in tostring(b):gmatch("%d+") do pb[#pb + 1] = tonumber(n) end
  for i = 1, math.max(#pa, #pb, 3) do
    local x, y = pa[i] or 0, pb[i] or 0
    if x ~= y then return x < y and -1 or 1 end
  end
  return 0
end

--- True when version `v` is `min` or newer.
---@param v string
---@param min string
---@return boolean
function version.at_least(v, min)
  return version.compare(v, min) >= 0
end

return version
