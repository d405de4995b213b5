-- The memory floor of output kept as one Lua string (issue 12, N2): N bytes received as 32 KiB
-- chunks (distinct Lua strings, as a stream delivers them), then joined into the one string a
-- result holds, by the core's join (no intermediate copy). With the stock Lua C API a string is
-- made by copying from bytes that exist already, so the chunks and the string coexist for a
-- moment: peak ≈ 2 × N whatever the SDK does. Run it under /usr/bin/time -f %M:
--   lua5.4 bench/lua/string_floor.lua 256   # MiB
local core = require("e2b.native")
local mib = assert(tonumber(arg[1]), "usage: string_floor.lua <MiB>")
local chunk = string.rep("0123456789abcdef0123456789abcde\n", 1024)   -- 32 KiB
local parts = {}
for i = 1, math.floor(mib * 1048576 / #chunk) do parts[i] = chunk .. i end
local s = core.join(parts)
parts = nil
io.stdout:write(("result kept_bytes %d\n"):format(#s))
