-- require("e2b") in a fresh interpreter (what a script pays before its first call), wall ms.
local clock = require("benchclock")
local t0 = clock.now_ms()
local e2b = require("e2b")
local t1 = clock.now_ms()
assert(type(e2b.Sandbox) == "table", "require('e2b') gave no Sandbox")
io.stdout:write(("result require_ms %.3f\n"):format(t1 - t0))
