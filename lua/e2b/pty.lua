--- `sbx.pty`: interactive terminals in the sandbox (process.Process with a PTY over envd).
---
--- ```lua
--- local h = sbx.pty:create({ cols = 80, rows = 24, on_data = io.write, timeout = 0 })
--- sbx.pty:send_input(h.pid, "echo hi\n")
--- sbx.pty:resize(h.pid, { cols = 120, rows = 40 })
--- sbx.pty:send_input(h.pid, "exit\n")
--- h:wait()                                  -- { exit_code = 0, … }
--- ```
---
--- The terminal runs `/bin/bash -i -l`. Its output (stdout and stderr merged by the terminal)
--- reaches `on_data` and `handle:events()` (`{type = "pty", data = bytes}`) as raw bytes and is
--- not kept: a shell may run for hours. `timeout` (seconds, default 60, 0 = none) is the
--- terminal's lifetime — envd kills it when it elapses; `request_timeout` bounds each request.
---@class e2b.Pty
---@field private _envd e2b.EnvdClient
---@field private _commands e2b.Commands
local Pty = {}
Pty.__index = Pty

local errors = require("e2b.errors")
local options = require("e2b.options")
local Commands = require("e2b.commands")

function Pty.__tostring(self)
  return "e2b.Pty(sandbox=" .. self._envd.sandbox_id .. ")"
end

--- Make the pty module of a sandbox.
---@param client e2b.EnvdClient
---@return e2b.Pty
function Pty.new(client)
  return setmetatable({ _envd = client, _commands = Commands.new(client) }, Pty)
end

-- Defaults for a usable terminal; the caller's envs win.
local ENV_DEFAULTS = { TERM = "xterm-256color", LANG = "C.UTF-8", LC_ALL = "C.UTF-8" }

local function size(fname, cols, rows)
  local given = { cols = cols, rows = rows }
  for _, name in ipairs({ "cols", "rows" }) do
    local v = given[name]
    options.arg(fname, name, v, "integer")
    if v < 1 or v > 65535 then
      errors.InvalidArgumentError:raise(
        ("%s: '%s' must be from 1 to 65535, got %d"):format(fname, name, v))
    end
  end
  return { cols = cols, rows = rows }
end

---@class e2b.PtyCreateOpts
---@field cols integer?            default 80
---@field rows integer?            default 24
---@field on_data fun(data: string)?  raw terminal output as it arrives
---@field cwd string?
---@field envs table<string,string>?   added to TERM/LANG/LC_ALL defaults (yours win)
---@field user string?
---@field timeout number?          seconds the terminal may live (default 60, 0 = none)
---@field request_timeout number?  seconds

local CREATE = options.declare("pty:create", { { "cols", "integer", 80 }, { "rows", "integer", 24 },
  { "on_data", "callable" }, { "cwd", "path" }, { "envs", "string_map" }, { "user", "string" },
  { "timeout", "seconds" }, { "request_timeout", "seconds" } })

--- Start an interactive login shell in a new terminal. Returns a CommandHandle (pid, wait, kill,
--- disconnect, events) as soon as it has started.
---@param opts e2b.PtyCreateOpts?
---@return e2b.CommandHandle
function Pty:create(opts)
  local o = CREATE:check(opts)
  local sz = size(CREATE.name, o.cols, o.rows)
  local envs = {}
  for k, v in pairs(ENV_DEFAULTS) do envs[k] = v end
  for k, v in pairs(o.envs or {}) do envs[k] = v end
  local process = { cmd = "/bin/bash", args = { "-i", "-l" }, envs = envs, cwd = o.cwd }
  return Commands.open_handle(self._envd, self._commands, "process.Process/Start",
    { process = process, pty = { size = sz } },
    { user = o.user, timeout = o.timeout, request_timeout = o.request_timeout, on_pty = o.on_data }, true)
end

local CONNECT = options.declare("pty:connect", { { "on_data", "callable" }, { "timeout", "seconds" },
  { "request_timeout", "seconds" } })

--- Attach to a running terminal (its output from now on), by pid or `{ tag = "…" }`.
---@param pid integer|{ tag: string }
---@param opts { on_data: function?, timeout: number?, request_timeout: number? }?
---@return e2b.CommandHandle
function Pty:connect(pid, opts)
  local sel = Commands._selector(CONNECT.name, pid)
  local o = CONNECT:check(opts)
  return Commands.open_handle(self._envd, self._commands, "process.Process/Connect", { process = sel },
    { timeout = o.timeout, request_timeout = o.request_timeout, on_pty = o.on_data }, true)
end

local SEND_INPUT = options.declare("pty:send_input", Commands.PLAIN)

--- Type into the terminal (bytes as is: "\n" is Enter, "\3" Ctrl-C, "\4" Ctrl-D).
---@param pid integer
---@param data string
---@param opts { request_timeout: number? }?
function Pty:send_input(pid, data, opts)
  Commands.send_input(self._envd, SEND_INPUT, pid, "pty", data, opts)
end

local RESIZE = options.declare("pty:resize", { { "request_timeout", "seconds" } })
local RESIZE_SIZE = RESIZE:sub("size", { { "cols", "integer" }, { "rows", "integer" } })

--- Change the terminal's size (the shell gets SIGWINCH).
---@param pid integer
---@param sz { cols: integer, rows: integer }
---@param opts { request_timeout: number? }?
function Pty:resize(pid, sz, opts)
  RESIZE:pid(pid)
  RESIZE:arg("size", sz, "table")
  local s = RESIZE_SIZE:check(sz)
  local o = RESIZE:check(opts)
  self._envd:unary("process.Process/Update",
    { process = { pid = pid }, pty = { size = size(RESIZE.name, s.cols, s.rows) } },
    { request_timeout = o.request_timeout })
end

--- Kill the terminal's shell (SIGKILL). False when no such process.
---@param pid integer
---@param opts { request_timeout: number? }?
---@return boolean
function Pty:kill(pid, opts)
  options.pid("pty:kill", pid)
  return self._commands:kill(pid, opts)
end

return Pty
