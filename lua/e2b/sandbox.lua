--- `e2b.Sandbox`: create, connect to, inspect and kill sandboxes.
---
--- ```lua
--- local e2b = require("e2b")
--- local sbx <close> = e2b.Sandbox.create({ template = "base", timeout = 300 })  -- killed at scope end
--- sbx.files:write("/home/user/main.py", "print(6 * 7)")
--- print(sbx.commands:run("python3 /home/user/main.py").stdout)                 --> 42
--- for info in e2b.Sandbox.list():iter() do print(info.sandbox_id, info.state) end
--- sbx:kill()
--- ```
---
--- Functions that exist both on the class and on an instance (kill, get_info, set_timeout) take a
--- sandbox id when called on the class: `e2b.Sandbox.kill(id)`, and nothing when called as a
--- method: `sbx:kill()`.
---@class e2b.Sandbox
---@field sandbox_id string
---@field sandbox_domain string?
---@field envd_version string
---@field template_id string?
---@field traffic_access_token string?
---@field commands e2b.Commands
---@field files e2b.Filesystem
---@field pty e2b.Pty
---@field git e2b.Git?   present when the git module is installed
local Sandbox = {}
Sandbox.__index = Sandbox
Sandbox.__name = "e2b.Sandbox"

local errors = require("e2b.errors")
local version = require("e2b.version")
-- Waits happen inside these pcalls: compat.pcall lets a task yield through them on PUC 5.1 too.
local pcall = require("e2b.compat").pcall
local options = require("e2b.options")
local config = require("e2b.config")
local api = require("e2b.api")
local json = require("e2b.json")
-- envd's side (envd, commands, filesystem, pty, signature) loads with the first sandbox, so
-- require("e2b") stays cheap (issue 12: <= 5 ms).

Sandbox.DEFAULT_TEMPLATE = "base"
Sandbox.DEFAULT_TIMEOUT = 300

function Sandbox.__tostring(self)
  return "e2b.Sandbox(id=" .. self.sandbox_id .. ")"
end

-- Kill on scope exit (Lua 5.4 `<close>`); an extra, never the only cleanup path.
function Sandbox.__close(self)
  pcall(Sandbox.kill, self)
end

-- A Sandbox, or an instance of a class derived from it (Sandbox.extend): its metatable, or one
-- its metatable inherits from through `__index`, is Sandbox.
local function is_sandbox(v)
  local mt = getmetatable(v)
  for _ = 1, 8 do
    if mt == Sandbox then return true end
    if type(mt) ~= "table" then return false end
    local up = getmetatable(mt)
    mt = type(up) == "table" and rawget(up, "__index") or nil
  end
  return false
end

--- A class derived from Sandbox: its instances are full sandboxes (commands, files, git, pty,
--- kill …) and its own methods come first. `name` is the class name for tostring; the new class
--- starts with Sandbox's defaults (`DEFAULT_TEMPLATE`, `DEFAULT_TIMEOUT`), which it may change.
--- `cls.wrap(sbx)` turns a Sandbox made by `Sandbox.create`/`connect` into an instance of it.
---@param name string  e.g. "e2b.code_interpreter.Sandbox"
---@return table
function Sandbox.extend(name)
  options.arg("Sandbox.extend", "name", name, "string")
  local cls = setmetatable({}, { __index = Sandbox })
  cls.__index = cls
  cls.__name = name
  cls.__close = Sandbox.__close
  cls.__tostring = function(self) return name .. "(id=" .. self.sandbox_id .. ")" end
  cls.wrap = function(sbx) return setmetatable(sbx, cls) end
  return cls
end

-- The git module is optional; a load error inside it must still surface.
local function load_git()
  local ok, git = pcall(require, "e2b.git")
  if ok then return git end
  if type(git) == "string" and git:find("module 'e2b.git' not found", 1, true) then return nil end
  error(git, 0)
end

local function nonempty(v)
  if v == nil or v == "" or (type(v) ~= "string") then return nil end
  return v
end

-- Build the instance from a create/connect answer.
local function new(cfg, data)
  local self = setmetatable({
    sandbox_id = data.sandboxID,
    sandbox_domain = nonempty(data.domain),
    envd_version = data.envdVersion,
    template_id = nonempty(data.templateID),
    traffic_access_token = nonempty(data.trafficAccessToken),
    _cfg = cfg,
  }, Sandbox)
  local id = self.sandbox_id
  local client = require("e2b.envd").new(cfg, { sandbox_id = id, access_token = nonempty(data.envdAccessToken),
    envd_version = self.envd_version, domain = self.sandbox_domain,
    state = not cfg.debug and function() return api.get_info(cfg, id).state end or nil })
  self._envd = client
  self.commands = require("e2b.commands").new(client)
  self.pty = require("e2b.pty").new(client)
  self.files = require("e2b.filesystem").new(client)
  local git = load_git()
  if git then self.git = git.new(self.commands) end
  return self
end

local function whole_seconds(s) return math.ceil(s) end

local CREATE = config.declare("Sandbox.create", {
  { "template", "string" }, { "timeout", "seconds" }, { "metadata", "string_map" }, { "envs", "string_map" },
  { "secure", "boolean" }, { "allow_internet_access", "boolean" }, { "network", "json" },
  { "lifecycle", "table" },
})
local LIFECYCLE = CREATE:sub("lifecycle", { { "on_timeout", { "string", "table" } }, { "auto_resume", "boolean" } })
local ON_TIMEOUT = CREATE:sub("lifecycle.on_timeout", { { "action", "string" }, { "keep_memory", "boolean" } })

-- The network options of `call` (Sandbox.create, Sandbox.update_network): the same fields,
-- named after the call in errors.
local NETWORK_FIELDS = { { "allow_out", "table" }, { "deny_out", "table" },
  { "allow_public_traffic", "boolean" }, { "mask_request_host", "string" }, { "rules", "json" },
  { "egress_proxy", "table" } }
local EGRESS_PROXY_FIELDS = { { "address", "string" }, { "username", "string" }, { "password", "string" } }

local NETWORK = CREATE:sub("network", NETWORK_FIELDS)
local EGRESS_PROXY = CREATE:sub("network.egress_proxy", EGRESS_PROXY_FIELDS)

local function network_body(n, call)
  call = call or CREATE
  local o = (call == CREATE and NETWORK or call:sub("network", NETWORK_FIELDS)):check(n)
  local body = { allowOut = o.allow_out, denyOut = o.deny_out, allowPublicTraffic = o.allow_public_traffic,
                 maskRequestHost = o.mask_request_host, rules = o.rules }
  if o.egress_proxy then
    local p = (call == CREATE and EGRESS_PROXY or call:sub("network.egress_proxy", EGRESS_PROXY_FIELDS))
      :check(o.egress_proxy)
    if not p.address then call:fail("network.egress_proxy needs a string 'address'") end
    errors.add_secret(p.password)
    body.egressProxy = p
  end
  return body
end

-- lifecycle = { on_timeout = "kill"|"pause" | { action = "pause", keep_memory = bool }, auto_resume = bool }
local function lifecycle_body(body, l)
  local o = LIFECYCLE:check(l)
  local action, keep_memory = o.on_timeout, nil
  if type(action) == "table" then
    local t = ON_TIMEOUT:check(action)
    action, keep_memory = t.action, t.keep_memory
  end
  if action ~= nil and action ~= "kill" and action ~= "pause" then
    CREATE:fail("lifecycle.on_timeout must be \"kill\" or \"pause\", got " .. tostring(action))
  end
  if keep_memory ~= nil and action ~= "pause" then
    CREATE:fail("lifecycle keep_memory is only valid with on_timeout \"pause\"")
  end
  if o.auto_resume and action ~= "pause" then
    CREATE:fail("lifecycle auto_resume needs on_timeout \"pause\"")
  end
  if o.auto_resume and keep_memory == false then
    CREATE:fail("lifecycle auto_resume cannot be used with keep_memory = false")
  end
  if action ~= nil then body.autoPause = action == "pause" end
  if keep_memory ~= nil then body.autoPauseMemory = keep_memory end
  if o.auto_resume ~= nil then body.autoResume = { enabled = o.auto_resume } end
end

---@class e2b.CreateOpts: e2b.ConnectionOpts
---@field template string?                 default "base"
---@field timeout number?                  sandbox lifetime in seconds (default 300)
---@field metadata table<string,string>?
---@field envs table<string,string>?       default environment of every command
---@field secure boolean?                  default true (envd access token)
---@field allow_internet_access boolean?   default true
---@field network table?                   { allow_out, deny_out, allow_public_traffic, mask_request_host, rules, egress_proxy }
---@field lifecycle table?                 { on_timeout = "kill"|"pause", auto_resume = bool }

--- Create a sandbox.
---@param opts e2b.CreateOpts?
---@return e2b.Sandbox
function Sandbox.create(opts)
  local o = CREATE:check(opts)
  local body = {
    templateID = o.template or Sandbox.DEFAULT_TEMPLATE,
    timeout = whole_seconds(o.timeout or Sandbox.DEFAULT_TIMEOUT),
    secure = o.secure ~= false,
    allow_internet_access = o.allow_internet_access ~= false,
    metadata = o.metadata, envVars = o.envs,
  }
  if o.network then body.network = network_body(o.network) end
  if o.lifecycle then lifecycle_body(body, o.lifecycle) end
  local _, cfg = config.call(CREATE, o)
  if cfg.debug then
    return new(cfg, { sandboxID = "debug_sandbox_id", envdVersion = "99.99.99", templateID = body.templateID })
  end
  local data = api.create(cfg, body)
  if type(data.sandboxID) ~= "string" then
    errors.SandboxError:raise("Unexpected response from the API for create: no sandboxID")
  end
  if version.compare(data.envdVersion or "0", "0.1.0") < 0 then
    pcall(api.kill, cfg, data.sandboxID)
    errors.TemplateError:raise("You need to update the template to use the new SDK.")
  end
  return new(cfg, data)
end

local CONNECT = config.declare("Sandbox.connect", { { "timeout", "seconds" } }, "Sandbox:connect")

-- Take over what a connect answer says about the sandbox (the token may be new after a resume).
local function refresh(self, data)
  local fresh = new(self._cfg, data)
  for _, k in ipairs({ "envd_version", "traffic_access_token", "_envd", "commands", "pty", "files", "git" }) do
    self[k] = fresh[k]
  end
  if fresh.sandbox_domain then self.sandbox_domain = fresh.sandbox_domain end
  return self
end

--- Connect to a running sandbox, or resume a paused one: `Sandbox.connect(id, opts)` returns a
--- new Sandbox; `sbx:connect(opts)` resumes this one and returns it. `timeout` (seconds, default
--- 300) is the lifetime from now (only ever extends a running sandbox's lifetime).
--- A sandbox that no longer exists raises SandboxNotFoundError.
---@param self_or_id e2b.Sandbox|string
---@param opts (e2b.ConnectionOpts|{timeout: number?})?
---@return e2b.Sandbox
function Sandbox.connect(self_or_id, opts)
  if is_sandbox(self_or_id) then
    local o, cfg = config.call(CONNECT, opts, self_or_id._cfg)   -- request_timeout: this call only
    if cfg.debug then return self_or_id end
    local data = api.connect(cfg, self_or_id.sandbox_id, whole_seconds(o.timeout or Sandbox.DEFAULT_TIMEOUT))
    data.sandboxID = self_or_id.sandbox_id
    if data.envdAccessToken == nil then data.envdAccessToken = self_or_id._envd.access_token end
    if data.domain == nil then data.domain = self_or_id.sandbox_domain end
    return refresh(self_or_id, data)
  end
  local sandbox_id = self_or_id
  CONNECT:arg("sandbox_id", sandbox_id, "string")
  local o, cfg = config.call(CONNECT, opts)
  if cfg.debug then return new(cfg, { sandboxID = sandbox_id, envdVersion = "99.99.99" }) end
  local data = api.connect(cfg, sandbox_id, whole_seconds(o.timeout or Sandbox.DEFAULT_TIMEOUT))
  if type(data.sandboxID) ~= "string" then data.sandboxID = sandbox_id end
  return new(cfg, data)
end

-- Class call `Sandbox.f(id, opts)` or method call `sbx:f(opts)`: the id, the config, the options.
local function target(decl, self_or_id, opts)
  if is_sandbox(self_or_id) then
    local o, cfg = config.call(decl, opts, self_or_id._cfg)
    return self_or_id.sandbox_id, cfg, o
  end
  decl:arg("sandbox_id", self_or_id, "string")
  local o, cfg = config.call(decl, opts)
  return self_or_id, cfg, o
end

local KILL = config.declare("Sandbox.kill")

--- Kill a sandbox: `Sandbox.kill(id, opts)` or `sbx:kill()`. False when it did not exist.
---@param self_or_id e2b.Sandbox|string
---@param opts e2b.ConnectionOpts?
---@return boolean
function Sandbox.kill(self_or_id, opts)
  local id, cfg = target(KILL, self_or_id, opts)
  if cfg.debug then return true end
  local killed = api.kill(cfg, id)
  -- the sandbox is gone (now or before): its token guards nothing, stop redacting it
  if is_sandbox(self_or_id) then errors.release(self_or_id._envd) end
  return killed
end

local function iso(v)
  if v == nil or type(v) ~= "string" then return nil end
  return v
end

local function lifecycle_info(l)
  if type(l) ~= "table" then return nil end
  return { on_timeout = l.onTimeout, auto_resume = l.autoResume }
end

---@class e2b.SandboxInfo
---@field sandbox_id string
---@field template_id string
---@field name string?
---@field metadata table<string,string>
---@field started_at string   RFC 3339
---@field end_at string       RFC 3339
---@field state "running"|"paused"
---@field cpu_count integer
---@field memory_mb integer
---@field disk_size_mb integer?
---@field envd_version string
---@field allow_internet_access boolean?
---@field sandbox_domain string?
---@field network table?
---@field lifecycle table?
---@field volume_mounts table[]

--- Map a SandboxDetail/ListedSandbox answer to a SandboxInfo table.
---@param d table
---@return e2b.SandboxInfo
function Sandbox.info_from_api(d)
  local function v(x) if x == json.null then return nil end return x end
  return {
    sandbox_id = d.sandboxID, template_id = d.templateID, name = v(d.alias),
    metadata = type(d.metadata) == "table" and d.metadata or {},
    started_at = iso(d.startedAt), end_at = iso(d.endAt), state = d.state,
    cpu_count = v(d.cpuCount), memory_mb = v(d.memoryMB), disk_size_mb = v(d.diskSizeMB),
    envd_version = v(d.envdVersion), allow_internet_access = v(d.allowInternetAccess),
    sandbox_domain = nonempty(v(d.domain)), network = type(d.network) == "table" and d.network or nil,
    lifecycle = lifecycle_info(d.lifecycle),
    volume_mounts = type(d.volumeMounts) == "table" and d.volumeMounts or {},
  }
end

local GET_INFO = config.declare("Sandbox.get_info")

--- Information about a sandbox: `Sandbox.get_info(id, opts)` or `sbx:get_info()`.
---@param self_or_id e2b.Sandbox|string
---@param opts e2b.ConnectionOpts?
---@return e2b.SandboxInfo
function Sandbox.get_info(self_or_id, opts)
  local id, cfg = target(GET_INFO, self_or_id, opts)
  return Sandbox.info_from_api(api.get_info(cfg, id))
end

local SET_TIMEOUT = config.declare("Sandbox.set_timeout")

--- Change a sandbox's remaining lifetime (seconds from now):
--- `Sandbox.set_timeout(id, s, opts)` or `sbx:set_timeout(s)`.
---@param self_or_id e2b.Sandbox|string
---@param timeout number
---@param opts e2b.ConnectionOpts?
function Sandbox.set_timeout(self_or_id, timeout, opts)
  SET_TIMEOUT:arg("timeout", timeout, "number")
  options.seconds(SET_TIMEOUT.name, "timeout", timeout)
  local id, cfg = target(SET_TIMEOUT, self_or_id, opts)
  if cfg.debug then return end
  api.set_timeout(cfg, id, whole_seconds(timeout))
end

local UPDATE_NETWORK = config.declare("Sandbox.update_network")
local UPDATE_NETWORK_BODY = UPDATE_NETWORK:sub("network", { { "allow_out", "table" }, { "deny_out", "table" },
  { "allow_internet_access", "boolean" }, { "rules", "json" }, { "egress_proxy", "table" } })

local function string_list(call, name, list)
  if list == nil then return nil end
  local out = {}
  for i, s in ipairs(list) do
    if type(s) ~= "string" then
      errors.InvalidArgumentError:raise(("%s: network.%s[%d] must be a string (CIDR, IP or domain), got %s")
        :format(call.name, name, i, type(s)))
    end
    out[i] = s
  end
  if next(list) ~= nil and #out == 0 then
    call:fail(("network.%s must be a list of strings"):format(name))
  end
  if #out == 0 then return json.empty_array end
  return out
end

---@class e2b.NetworkUpdate
---@field allow_out string[]?           CIDRs, IPs or domains (resolved when applied); wins over deny_out
---@field deny_out string[]?            CIDRs or IPs; "0.0.0.0/0" denies everything not allowed
---@field allow_internet_access boolean? false = deny_out { "0.0.0.0/0" }
---@field rules table?                  per-domain transform rules, as in Sandbox.create
---@field egress_proxy table?           { address, username?, password? } as in Sandbox.create

--- Replace a running sandbox's egress rules: `Sandbox.update_network(id, network, opts)` or
--- `sbx:update_network(network)`. The update replaces the whole configuration: a field left out is
--- cleared (so `sbx:update_network({})` restores full internet access).
---@param self_or_id e2b.Sandbox|string
---@param network e2b.NetworkUpdate
---@param opts e2b.ConnectionOpts?
function Sandbox.update_network(self_or_id, network, opts)
  local n = UPDATE_NETWORK_BODY:check(network)
  local body = { allowOut = string_list(UPDATE_NETWORK, "allow_out", n.allow_out),
                 denyOut = string_list(UPDATE_NETWORK, "deny_out", n.deny_out),
                 allow_internet_access = n.allow_internet_access, rules = n.rules }
  if n.egress_proxy then body.egressProxy = network_body({ egress_proxy = n.egress_proxy }, UPDATE_NETWORK).egressProxy end
  local id, cfg = target(UPDATE_NETWORK, self_or_id, opts)
  if cfg.debug then return end
  api.update_network(cfg, id, body)
end

local PAUSE = config.declare("Sandbox.pause", { { "keep_memory", "boolean" } })

--- Pause a sandbox: `Sandbox.pause(id, opts)` or `sbx:pause(opts)`. True when paused, false when it
--- already was. `keep_memory = false` keeps only the filesystem (processes are not resumed).
--- Resume with `connect`. A sandbox that does not exist raises SandboxNotFoundError.
---@param self_or_id e2b.Sandbox|string
---@param opts (e2b.ConnectionOpts|{keep_memory: boolean?})?
---@return boolean
function Sandbox.pause(self_or_id, opts)
  local id, cfg, o = target(PAUSE, self_or_id, opts)
  if cfg.debug then return true end
  return api.pause(cfg, id, o.keep_memory ~= false)
end
Sandbox.beta_pause = Sandbox.pause

local function num(v) return type(v) == "number" and v or tonumber(v) end

local METRICS = config.declare("Sandbox.get_metrics", { { "start", "timestamp" }, { "end", "timestamp" } })

---@class e2b.SandboxMetric
---@field timestamp string       RFC 3339
---@field timestamp_unix number  unix seconds
---@field cpu_count number
---@field cpu_used_pct number
---@field mem_used number        bytes
---@field mem_total number
---@field mem_cache number
---@field disk_used number
---@field disk_total number

--- Resource use samples: `Sandbox.get_metrics(id, opts)` or `sbx:get_metrics(opts)`, oldest first.
--- `start` / `["end"]` bound the time range (unix seconds).
---@param self_or_id e2b.Sandbox|string
---@param opts (e2b.ConnectionOpts|{start: number?, ["end"]: number?})?
---@return e2b.SandboxMetric[]
function Sandbox.get_metrics(self_or_id, opts)
  local id, cfg, o = target(METRICS, self_or_id, opts)
  for _, k in ipairs({ "start", "end" }) do
    if o[k] ~= nil and o[k] < 0 then METRICS:fail("'" .. k .. "' must be unix seconds >= 0") end
  end
  if is_sandbox(self_or_id) and version.compare(self_or_id.envd_version, "0.1.5") < 0 then
    errors.TemplateError:raise("You need to update the template to use the new SDK.")
  end
  if cfg.debug then return {} end
  local out = {}
  for i, m in ipairs(api.metrics(cfg, id, o.start and math.floor(o.start), o["end"] and math.floor(o["end"]))) do
    out[i] = { timestamp = iso(m.timestamp), timestamp_unix = num(m.timestampUnix), cpu_count = num(m.cpuCount),
      cpu_used_pct = num(m.cpuUsedPct), mem_used = num(m.memUsed), mem_total = num(m.memTotal),
      mem_cache = num(m.memCache), disk_used = num(m.diskUsed), disk_total = num(m.diskTotal) }
  end
  return out
end

local LOG_LEVELS = { debug = true, info = true, warn = true, error = true }
local LOGS = config.declare("Sandbox.get_logs", { { "cursor", "timestamp" }, { "limit", "integer" },
  { "direction", "string" }, { "level", "string" }, { "search", "string" } })

---@class e2b.SandboxLogEntry
---@field timestamp string   RFC 3339
---@field level "debug"|"info"|"warn"|"error"
---@field message string
---@field fields table<string, any>

--- The sandbox's own log (lifecycle events, not command output): `Sandbox.get_logs(id, opts)` or
--- `sbx:get_logs(opts)`. `cursor` (unix ms) starts there, `limit` (<= 1000), `direction`
--- ("forward" | "backward"), `level` (minimum), `search` (substring).
---@param self_or_id e2b.Sandbox|string
---@param opts table?
---@return e2b.SandboxLogEntry[]
function Sandbox.get_logs(self_or_id, opts)
  local id, cfg, o = target(LOGS, self_or_id, opts)
  if o.limit and (o.limit < 0 or o.limit > 1000) then LOGS:fail("limit must be between 0 and 1000") end
  if o.direction and o.direction ~= "forward" and o.direction ~= "backward" then
    LOGS:fail("direction must be \"forward\" or \"backward\"")
  end
  if o.level and not LOG_LEVELS[o.level] then LOGS:fail("level must be debug, info, warn or error") end
  if o.search and #o.search > 256 then LOGS:fail("search is limited to 256 characters") end
  if cfg.debug then return {} end
  local out = {}
  for i, l in ipairs(api.logs(cfg, id, o)) do
    out[i] = { timestamp = iso(l.timestamp), level = l.level, message = l.message,
               fields = type(l.fields) == "table" and l.fields or {} }
  end
  return out
end

--- URL a plain HTTP client can POST a file to (multipart field "file", or a raw body with envd
--- >= 0.5.7), signed on secure sandboxes. Without `path`, the part's filename is the destination.
---@param path string?
---@param opts e2b.FileUrlOpts?
---@return string
function Sandbox:upload_url(path, opts)
  if not is_sandbox(self) then
    errors.InvalidArgumentError:raise("Sandbox:upload_url: call it as a method, sbx:upload_url(path)")
  end
  return require("e2b.signature").url(self._envd, "Sandbox:upload_url", "write", path, opts)
end

--- URL a plain HTTP client can GET `path` from, signed on secure sandboxes.
---@param path string
---@param opts e2b.FileUrlOpts?
---@return string
function Sandbox:download_url(path, opts)
  if not is_sandbox(self) then
    errors.InvalidArgumentError:raise("Sandbox:download_url: call it as a method, sbx:download_url(path)")
  end
  options.arg("Sandbox:download_url", "path", path, "path")
  return require("e2b.signature").url(self._envd, "Sandbox:download_url", "read", path, opts)
end

local IS_RUNNING = options.declare("Sandbox:is_running", { { "request_timeout", "seconds" } })

--- True when the sandbox answers (envd /health), false when it is gone (502).
---@param opts { request_timeout: number? }?
---@return boolean
function Sandbox:is_running(opts)
  if not is_sandbox(self) then
    errors.InvalidArgumentError:raise("Sandbox:is_running: call it as a method, sbx:is_running()")
  end
  local o = IS_RUNNING:check(opts)
  local ok, err = pcall(self._envd.http, self._envd,
    { method = "GET", path = "/health", timeout = o.request_timeout })
  if ok then return true end
  if errors.is(err) and err.status == 502 then return false end
  error(err, 0)
end

--- Host (no scheme) under which `port` inside the sandbox is reachable: "https://" .. host.
---@param port integer
---@return string
function Sandbox:get_host(port)
  if not is_sandbox(self) then
    errors.InvalidArgumentError:raise("Sandbox:get_host: call it as a method, sbx:get_host(port)")
  end
  options.arg("Sandbox:get_host", "port", port, "integer")
  if port < 1 or port > 65535 then
    errors.InvalidArgumentError:raise("Sandbox:get_host: 'port' must be from 1 to 65535, got " .. tostring(port))
  end
  return config.host(self._cfg, self.sandbox_id, self.sandbox_domain, port)
end

local GET_URL = config.declare("Sandbox:get_url", {}, "Sandbox:get_url")

--- URL under which `port` inside the sandbox is reachable by any HTTP client (curl, a browser,
--- node, Python): on E2B `https://<port>-<id>.<domain>` (`"https://" .. sbx:get_host(port)`); on
--- the local emulator (a `sandbox_url` is configured) a loopback listener it opens for this
--- sandbox and port, `http://127.0.0.1:N`, so offline tests need no DNS and no Host header.
--- ```lua
--- sbx.commands:run("python3 -m http.server 8000", { background = true, timeout = 0 })
--- os.execute("curl -s " .. sbx:get_url(8000))
--- ```
---@param port integer
---@param opts { request_timeout: number? }?
---@return string
function Sandbox:get_url(port, opts)
  if not is_sandbox(self) then
    errors.InvalidArgumentError:raise("Sandbox:get_url: call it as a method, sbx:get_url(port)")
  end
  local host = Sandbox.get_host(self, port)
  local _, cfg = config.call(GET_URL, opts, self._cfg)
  if cfg.debug then return "http://" .. host end
  if not cfg.sandbox_url then return "https://" .. host end
  self._urls = self._urls or {}
  if self._urls[port] then return self._urls[port] end
  -- a sandbox_url means the emulator (or a local envd): ask the emulator for a loopback listener
  local data = api.request(cfg, "POST", "/_emulator/sandboxes/" .. api.segment(self.sandbox_id) .. "/ports/" .. port, {
    what = "get_url",
    codes = { [404] = function(res)
      local e = api.error_for(res)
      if e.message:match("^404: sandbox .* not found") then
        errors.SandboxNotFoundError:raise("Sandbox " .. self.sandbox_id .. " not found", { status = 404 })
      end
      return false
    end, [405] = false, [400] = false },
  })
  local url = type(data) == "table" and type(data.url) == "string" and data.url or ("https://" .. host)
  self._urls[port] = url
  return url
end

local LIST = config.declare("Sandbox.list", { { "query", "table" }, { "limit", "integer" }, { "next_token", "string" } })
local LIST_QUERY = LIST:sub("query", { { "metadata", "table" }, { "state", "table" } })

--- List sandboxes. Returns a paginator (`has_next`, `next_items()`, `iter()`); no request is made
--- until the first page is asked for.
--- `query = { metadata = {k = v}, state = {"running", "paused"} }`, `limit` per page (1..100).
---@param opts (e2b.ConnectionOpts|{query: table?, limit: integer?, next_token: string?})?
---@return e2b.Paginator  pages of e2b.SandboxInfo
function Sandbox.list(opts)
  local o = LIST:check(opts)
  local q = LIST_QUERY:check(o.query)
  options.string_map(LIST.name, "query.metadata", q.metadata)
  for _, s in ipairs(q.state or {}) do
    if s ~= "running" and s ~= "paused" then
      LIST:fail("query.state entries must be \"running\" or \"paused\", got " .. tostring(s))
    end
  end
  if o.limit and (o.limit < 1 or o.limit > 100) then LIST:fail("limit must be between 1 and 100") end
  local _, cfg = config.call(LIST, o)
  config.require_api_key(cfg)
  return require("e2b.pager").new("e2b.SandboxPaginator", function(token)
    local items, next_token = api.list_page(cfg, {
      metadata = q.metadata, state = q.state, limit = o.limit, next_token = token })
    local out = {}
    for i, d in ipairs(items) do out[i] = Sandbox.info_from_api(d) end
    return out, next_token
  end, o.next_token)
end

-- For e2b.sandbox_mgmt (fork builds sandboxes; its calls take an id or a sandbox like these).
Sandbox._new, Sandbox._target, Sandbox._is_sandbox = new, target, is_sandbox

-- The management calls (refresh, snapshots, fork, events, list_metrics) live in e2b.sandbox_mgmt,
-- loaded the first time one of them is looked up (on the class or on an instance).
local MGMT = { refresh = true, list_metrics = true, create_snapshot = true, list_snapshots = true,
  delete_snapshot = true, fork = true, get_events = true, list_events = true }
setmetatable(Sandbox, { __index = function(t, k)
  if not MGMT[k] then return nil end
  require("e2b.sandbox_mgmt")
  return rawget(t, k)
end })

return Sandbox
