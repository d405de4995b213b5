-- require("e2b") in a fresh interpreter (what a script pays before its first call), wall ms.
-- require_ms: require("e2b") alone, which is lazy (lua/e2b/init.lua loads the Sandbox side and the
-- C core on first use). ready_ms: from the same start until a first call could be made: e2b.Sandbox
-- touched and everything Sandbox.create loads on its way loaded too (the C core with libcurl and
-- curl_global_init, envd and the modules a sandbox object carries), without contacting a server.
local clock = require("benchclock")
local t0 = clock.now_ms()
local e2b = require("e2b")
local t1 = clock.now_ms()
assert(type(e2b.Sandbox) == "table", "require('e2b') gave no Sandbox")
-- what a real Sandbox.create loads besides e2b.sandbox itself (checked with package.loaded
-- before and after one against the null server): the core, then what new() builds the sandbox from
assert(require("e2b.native").curl_version, "the C core did not load")
for _, m in ipairs({ "e2b.async", "e2b.envd", "e2b.commands", "e2b.pty", "e2b.filesystem", "e2b.git" }) do
  require(m)
end
local t2 = clock.now_ms()
io.stdout:write(("result require_ms %.3f\n"):format(t1 - t0))
io.stdout:write(("result ready_ms %.3f\n"):format(t2 - t0))
