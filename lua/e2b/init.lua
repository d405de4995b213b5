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
---@field Template e2b.Template  templates: the builder and builds (`require("e2b.template")`, loaded on first use)
---@field Webhook e2b.Webhook  webhooks (`require("e2b.webhook")`, loaded on first use)
---@field team e2b.team  team metrics (`require("e2b.team")`, loaded on first use)
---@field health fun(opts: e2b.ConnectionOpts?): boolean  true when the API is up, else raises (e2b.health.check)
local e2b = {}

--- Drain every open stream (background commands, PTYs, watches) without blocking: read what has
--- arrived and run their callbacks. Any SDK call that waits does this too; between SDK calls
--- nothing drains, so a script that loops on its own calls this now and then. Returns the
--- number of streams still open.
---
--- ```lua
--- local h = sbx.commands:run("./server", { background = true, timeout = 0, on_stdout = io.write })
--- while running do do_own_work() e2b.poll() end
--- ```
---@return integer
function e2b.poll()
  return require("e2b.background").poll()   -- loaded with the first stream, or here
end

-- Every field loads when first read (so require("e2b.safe") covers them too): require("e2b")
-- loads this file only, and a script pays for the Sandbox side and the C core (libcurl) with its
-- first call (issue 12: <= 5 ms). A string names the module that is the field; a function makes
-- the field. Fields are require's own tables, so e2b.errors.X is the same class however early or
-- late it is reached, and the same as require("e2b.errors").X.
local lazy = { Sandbox = "e2b.sandbox", async = "e2b.async", errors = "e2b.errors",
  version = function() return require("e2b.version").SDK end,
  code_interpreter = "e2b.code_interpreter", team = "e2b.team", Webhook = "e2b.webhook", Template = "e2b.template",
  health = function() return require("e2b.health").check end }
setmetatable(e2b, { __index = function(t, k)
  local how = lazy[k]
  if how == nil then return nil end
  local m = type(how) == "function" and how() or require(how)
  rawset(t, k, m)
  return m
end })

return e2b
