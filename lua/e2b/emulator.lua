--- Start and stop the local E2B emulator (emulator/ in this repository) from Lua.
---
--- For offline work and your own tests: everything the SDK does works against it.
---
--- ```lua
--- local emu = require("e2b.emulator").start()
--- local sbx = e2b.Sandbox.create(emu.config)     -- or set emu:export_env() once
--- ...
--- emu:stop()
--- ```
---
--- The emulator is a Node.js program (Node >= 18 and npm on PATH; bubblewrap (`bwrap`) for
--- isolated sandboxes, without it sandboxes share the host's processes' view). It is found at
--- `opts.path` / `$E2B_EMULATOR` (the path of `bin/e2b-emulator.js`), else in this checkout's
--- `emulator/`, else in the copy an installed rock ships (`e2b/emulator-node/` beside this file).
--- When its npm dependencies are not installed beside it (an installed rock), the first start
--- copies it into a per-user cache (`$E2B_EMULATOR_CACHE`, default
--- `${XDG_CACHE_HOME:-~/.cache}/lua-e2b`) and runs `npm ci --omit=dev` there once.
---@class e2b.emulator
local M = {}

---@class e2b.Emulator
---@field api_url string       management API base URL (http://127.0.0.1:N)
---@field sandbox_url string   envd base URL for every sandbox
---@field api_key string       the API key it accepts
---@field control_url string?  fault-injection control endpoint
---@field network string?      "isolated" (each sandbox has its own network) or "shared" (the host's)
---@field team_id string?      the id of the emulator's one team (every API key belongs to it)
---@field pid integer          process id of the emulator
---@field config table         {api_url, sandbox_url, api_key}: pass to Sandbox.create/connect/list
local Emulator = {}
Emulator.__index = Emulator

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\"'\"'") .. "'"
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

local function run(cmd)
  local ok = os.execute(cmd)
  return ok == true or ok == 0
end

local function default_path()
  local env = os.getenv("E2B_EMULATOR")
  if env and env ~= "" then return env end
  local src = debug.getinfo(1, "S").source
  local dir = src:sub(1, 1) == "@" and src:sub(2):match("^(.*)/[^/]*$") or "."
  local checkout = dir .. "/../../emulator/bin/e2b-emulator.js"
  if exists(checkout) then return checkout end
  return dir .. "/emulator-node/bin/e2b-emulator.js"   -- shipped with the rock
end

-- The emulator's directory with its npm dependencies installed: `root` itself when they are
-- there, else a per-user cached copy (made once, keyed by the lockfile's hash).
local function with_dependencies(root, start_timeout)
  if exists(root .. "/node_modules/@connectrpc/connect-node/package.json") then return root end
  local lock = read_file(root .. "/package-lock.json")
  if not lock then error("e2b.emulator: no emulator at " .. root .. " (set E2B_EMULATOR or opts.path)", 3) end
  local hex = require("e2b.native").sha256(lock):gsub(".", function(c) return ("%02x"):format(c:byte()) end)
  local home = os.getenv("HOME") or "/tmp"
  local base = os.getenv("E2B_EMULATOR_CACHE")
  if not base or base == "" then
    local xdg = os.getenv("XDG_CACHE_HOME")
    base = ((xdg and xdg ~= "") and xdg or (home .. "/.cache")) .. "/lua-e2b"
  end
  local dir = base .. "/emulator-" .. hex:sub(1, 16)
  if exists(dir .. "/.installed") then return dir end
  local tmp = dir .. ".tmp" .. tostring(os.time()) .. tostring(math.random(1e6))
  local log = tmp .. ".log"
  local q = shell_quote
  local ok = run(("mkdir -p %s && cp -R %s/. %s && rm -rf %s/node_modules && cd %s && " ..
      "timeout %d npm ci --omit=dev --no-audit --no-fund --prefer-offline >%s 2>&1 && touch .installed")
    :format(q(tmp), q(root), q(tmp), q(tmp), q(tmp), math.max(120, start_timeout or 0), q(log)))
  if not ok then
    local out = read_file(log) or ""
    run(("rm -rf %s %s"):format(q(tmp), q(log)))
    error("e2b.emulator: installing its npm dependencies into " .. dir .. " failed (needs Node >= 18 " ..
      "and npm on PATH, and the npm registry or its cache): " .. out:sub(-1500), 3)
  end
  os.remove(log)
  -- another process may have finished first: keep theirs (a half-made one from a crash goes)
  if not exists(dir .. "/.installed") then run("rm -rf " .. q(dir)) end
  if not run(("mv -T %s %s 2>/dev/null"):format(q(tmp), q(dir))) then run("rm -rf " .. q(tmp)) end
  if not exists(dir .. "/.installed") then error("e2b.emulator: could not install into " .. dir, 3) end
  return dir
end

local function sleep(seconds)
  os.execute("sleep " .. tostring(seconds))
end

-- True while `pid` runs; a zombie (left for an init that does not reap) counts as gone.
local function alive(pid)
  local ok = os.execute(("grep -q '^State:[^Z]*$' /proc/%d/status 2>/dev/null"):format(pid))
  return ok == true or ok == 0
end

--- Start an emulator on free loopback ports and wait (at most `opts.start_timeout` seconds,
--- default 30) until it is ready.
---@param opts? {path?: string, api_key?: string, args?: string[], start_timeout?: number, log?: string}
---@return e2b.Emulator
function M.start(opts)
  opts = opts or {}
  local path = opts.path or default_path()
  local root, script = path:match("^(.*)/bin/([^/]+)$")
  if root then path = with_dependencies(root, opts.start_timeout) .. "/bin/" .. script end
  local tmp = os.tmpname()
  local ready_file, log_file = tmp .. ".ready", opts.log or (tmp .. ".log")
  os.remove(tmp)
  local args = { "--api-port", "0", "--envd-port", "0" }
  if opts.api_key then args[#args + 1] = "--api-key"; args[#args + 1] = opts.api_key end
  for _, a in ipairs(opts.args or {}) do args[#args + 1] = a end
  local quoted = {}
  for i, a in ipairs(args) do quoted[i] = shell_quote(a) end
  -- Started in the background with its output in files, so nothing can block on a full pipe;
  -- --parent-pid makes it exit by itself if this Lua process dies without calling stop().
  local cmd = ("node %s %s --parent-pid $PPID >%s 2>%s </dev/null & echo $!"):format(
    shell_quote(path), table.concat(quoted, " "), shell_quote(ready_file), shell_quote(log_file))
  local p = assert(io.popen(cmd, "r"))
  local pid = tonumber(p:read("*l"))
  p:close()
  if not pid then error("e2b.emulator: could not start node", 2) end

  local deadline = os.time() + (opts.start_timeout or 30)
  local line
  while true do
    local out = read_file(ready_file)
    line = out and out:match("^[^\n]*\n")
    if line then break end
    if not alive(pid) or os.time() > deadline then
      os.execute("kill -KILL " .. pid .. " 2>/dev/null")
      local log = read_file(log_file) or ""
      os.remove(ready_file)
      error("e2b.emulator: did not become ready: " .. log:sub(-2000), 2)
    end
    sleep(0.05)
  end
  os.remove(ready_file)

  local info = require("e2b.json").decode(line)
  local emu = setmetatable({
    api_url = info.api_url, sandbox_url = info.sandbox_url, api_key = info.api_key,
    control_url = info.control_url, network = info.network, team_id = info.team_id, pid = pid, log_file = log_file,
    owns_log = opts.log == nil,
  }, Emulator)
  emu.config = { api_url = emu.api_url, sandbox_url = emu.sandbox_url, api_key = emu.api_key }
  return emu
end

--- Environment variables that point any E2B client (this SDK, the official ones) at it.
---@return table<string,string>
function Emulator:env()
  return { E2B_API_URL = self.api_url, E2B_SANDBOX_URL = self.sandbox_url, E2B_API_KEY = self.api_key }
end

--- Stop it (SIGTERM, then SIGKILL after `timeout` seconds, default 10): every sandbox it started
--- is killed with it. Idempotent.
---@param timeout? number
function Emulator:stop(timeout)
  if not self.pid then return end
  local pid = self.pid
  self.pid = nil
  local tries = math.floor((timeout or 10) / 0.1)
  os.execute(("kill -TERM %d 2>/dev/null; i=0; while grep -q '^State:[^Z]*$' /proc/%d/status 2>/dev/null"
    .. " && [ $i -lt %d ]; do sleep 0.1; i=$((i+1)); done; kill -KILL %d 2>/dev/null"):format(pid, pid, tries, pid))
  if self.owns_log then os.remove(self.log_file) end
end

---@class e2b.Target
---@field description string   where sandboxes run, for messages ("E2B", "the local emulator at …")
---@field config table          options to merge into Sandbox.create/connect/list calls
---@field emulator e2b.Emulator? the emulator started for this target, if any
local Target = {}
Target.__index = Target

--- Copy the target's connection options into `opts` (a new table when nil) and return it.
---@param opts table?
---@return table
function Target:options(opts)
  opts = opts or {}
  for k, v in pairs(self.config) do opts[k] = v end
  return opts
end

--- Stop the emulator started for this target, if any. Idempotent.
function Target:stop()
  if self.emulator then self.emulator:stop() end
end

--- Create a sandbox here (`create_opts` plus this target's connection options), run `fn(sbx)`,
--- then clean up whatever happened: the sandbox is killed and an emulator started for this target
--- is stopped. An error in `fn` is raised again afterwards, with its traceback.
---@param create_opts table?  options for Sandbox.create
---@param fn fun(sbx: e2b.Sandbox)
---@param class table?  the Sandbox class to create with (default e2b.Sandbox; e.g. require("e2b.code_interpreter").Sandbox)
function Target:run(create_opts, fn, class)
  local sbx
  local ok, err = xpcall(function()
    sbx = (class or require("e2b").Sandbox).create(self:options(create_opts))
    fn(sbx)
  end, debug.traceback)
  if sbx then pcall(sbx.kill, sbx) end
  self:stop()
  if not ok then error(err, 0) end
end

--- Where examples and scripts should run: the API in E2B_API_URL if set (e.g. an emulator you
--- started), E2B itself when only E2B_API_KEY is set, otherwise a local emulator started now.
---@param opts? table options for start()
---@return e2b.Target
function M.target(opts)
  local url = os.getenv("E2B_API_URL") or ""
  if url ~= "" then
    return setmetatable({ description = url, config = {} }, Target)
  elseif (os.getenv("E2B_API_KEY") or "") ~= "" then
    return setmetatable({ description = "E2B (E2B_API_KEY is set)", config = {} }, Target)
  end
  local emu = M.start(opts)
  return setmetatable({ description = "the local emulator at " .. emu.api_url, config = emu.config,
                        emulator = emu }, Target)
end

function Emulator:__tostring()
  return ("e2b.Emulator(api_url=%s, sandbox_url=%s)"):format(self.api_url, self.sandbox_url)
end

return M
