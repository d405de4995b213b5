--- lua-e2b: E2B cloud sandboxes from Lua.
---
--- ```lua
--- local e2b = require("e2b")          -- raising API; require("e2b.safe") returns nil, err instead
--- local sbx <close> = e2b.Sandbox.create({ timeout = 120 })             -- E2B_API_KEY from the env
--- sbx.files:write("/home/user/hello.py", "print('hello')")
--- local r = sbx.commands:run("python3 /home/user/hello.py", { on_stdout = io.write })
--- print(r.exit_code, sbx.files:read("/home/user/hello.py"))
--- sbx:kill()
--- ```
---
--- Errors are `e2b.errors` objects (`err.name`, `err.message`, `err.status`, `err.code`).
---@class e2b
---@field Sandbox e2b.Sandbox
---@field errors e2b.errors
---@field version string
---@field async e2b.async  tasks: calls inside `e2b.async.spawn(fn)` yield instead of blocking
---@field code_interpreter e2b.code_interpreter  `require("e2b.code_interpreter")`, loaded on first use
local e2b = {
  Sandbox = require("e2b.sandbox"),
  async = require("e2b.async"),
  errors = require("e2b.errors"),
  version = require("e2b.version").SDK,
  --- Drain every open stream (background commands, PTYs, watches) without blocking: run their
  --- callbacks for what has arrived. Any SDK call that waits does this too; a script that loops
  --- on its own between SDK calls calls this now and then. Returns the number of streams open.
  ---@type fun(): integer
  poll = require("e2b.background").poll,
}

-- Optional parts load when first used (so require("e2b.safe") covers them too).
local lazy = { code_interpreter = "e2b.code_interpreter" }
setmetatable(e2b, { __index = function(t, k)
  local name = lazy[k]
  if name == nil then return nil end
  local m = require(name)
  rawset(t, k, m)
  return m
end })

return e2b
