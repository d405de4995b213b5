--- Runs `e2b.async` tasks inside Neovim without ever blocking the editor: curl's sockets and
--- timer are watched by `vim.uv`/`vim.loop` handles (adapters/luv.lua), tasks resume through
--- `vim.schedule` (so their callbacks may use the editor API), and a wait outside a task keeps the
--- editor responsive with `vim.wait`.
---
--- ```lua
--- local async = require("e2b.async")
--- require("e2b.adapters.nvim").install()
--- async.spawn(function()
---   local r = sbx.commands:run("ls", { on_stdout = function(s) vim.api.nvim_buf_set_lines(...) end })
--- end)
--- ```
local luv_adapter = require("e2b.adapters.luv")
local core = require("e2b.native")

local M = {}

local function editor()
  if type(vim) ~= "table" or type(vim.schedule) ~= "function" then
    error("e2b.adapters.nvim: not running inside Neovim (no vim.schedule); use e2b.adapters.luv", 3)
  end
  return vim
end

-- vim.wait until done() (called once per check: it may consume what it checks) or `deadline`.
local function wait(done, deadline)
  local v = vim
  if v.in_fast_event and v.in_fast_event() then
    error("e2b.adapters.nvim: cannot wait inside a libuv callback (E5560); run the call in an " ..
          "e2b.async task or from vim.schedule", 2)
  end
  local hit = false
  local function check()
    if not hit and done() then hit = true end
    return hit
  end
  while not check() do
    local left = 1000
    if deadline then
      left = deadline - core.now_ms()
      if left <= 0 then return false end
      if left > 1000 then left = 1000 end
    end
    v.wait(math.max(1, math.floor(left)), check, 10)
  end
  return true
end

--- Install the adapter (replacing any luv driver). Returns the driver (`:uninstall()`, `:stats()`).
---@param opts {on_error: fun(err)?}?
function M.install(opts)
  local v = editor()
  opts = opts or {}
  if type(opts) ~= "table" then error("e2b.adapters.nvim.install: options table expected", 2) end
  for k in pairs(opts) do
    if k ~= "on_error" then error("e2b.adapters.nvim.install: unknown option '" .. tostring(k) .. "'", 2) end
  end
  local on_error = opts.on_error or function(err)
    -- reported from a fast callback at times: notify on the main loop
    v.schedule(function() v.notify("e2b: " .. tostring(err), v.log.levels.ERROR) end)
  end
  return luv_adapter.install({
    uv = v.uv or v.loop,
    schedule = v.schedule,
    wait = wait,
    on_error = on_error,
  })
end

--- Uninstall the adapter (no-op when none is installed).
function M.uninstall()
  luv_adapter.uninstall()
end

return M
