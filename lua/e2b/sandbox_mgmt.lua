--- Management calls on `e2b.Sandbox`: refresh, metrics of many sandboxes, snapshots, fork and
--- lifecycle events. They are methods of Sandbox (loaded the first time one is used), callable on
--- the class with an id or on an instance.
---
--- ```lua
--- local e2b = require("e2b")
--- local sbx = e2b.Sandbox.create()
--- sbx:refresh({ duration = 60 })                          -- keep it alive >= 60 s from now
--- local snap = sbx:create_snapshot({ name = "my-state" })  -- { snapshot_id, names }
--- local copy = e2b.Sandbox.create({ template = snap.snapshot_id })
--- for _, f in ipairs(sbx:fork({ count = 2 })) do if e2b.errors.is(f) then print(f) else f:kill() end end
--- for _, ev in ipairs(sbx:get_events({ types = { "sandbox.lifecycle.created" } })) do print(ev.type) end
--- e2b.Sandbox.delete_snapshot(snap.snapshot_id)
--- ```
local Sandbox = require("e2b.sandbox")
local config = require("e2b.config")
local api = require("e2b.api")
local json = require("e2b.json")
local errors = require("e2b.errors")
local Pager = require("e2b.pager")

local seg = api.segment

local function v(x) if x == json.null then return nil end return x end
local function num(x) x = v(x); return type(x) == "number" and x or tonumber(x) end

local function whole_seconds(s) return math.ceil(s) end

-- The declaration errors are named after: the method's ("Sandbox:fork") on an instance.
local function named(decl, self_or_id)
  return Sandbox._is_sandbox(self_or_id) and decl.method or decl
end

local REFRESH = config.declare("Sandbox.refresh", { { "duration", "seconds" } })

--- Keep a sandbox alive at least `duration` seconds (0..3600) from now; without it, the
--- server's default (never shortens the lifetime): `Sandbox.refresh(id, opts)` or
--- `sbx:refresh(opts)`. A sandbox that is not running raises SandboxNotFoundError.
---@param self_or_id e2b.Sandbox|string
---@param opts (e2b.ConnectionOpts|{duration: number?})?
function Sandbox.refresh(self_or_id, opts)
  local id, cfg, o = Sandbox._target(REFRESH, self_or_id, opts)
  if o.duration and o.duration > 3600 then named(REFRESH, self_or_id):fail("'duration' must be from 0 to 3600 seconds") end
  if cfg.debug then return end
  api.request(cfg, "POST", "/sandboxes/" .. seg(id) .. "/refreshes", {
    body = o.duration and { duration = whole_seconds(o.duration) } or {}, ok = true,
    not_found = "Sandbox " .. id .. " not found" })
end

local function metric(m)
  return { timestamp = v(m.timestamp), timestamp_unix = num(m.timestampUnix), cpu_count = num(m.cpuCount),
    cpu_used_pct = num(m.cpuUsedPct), mem_used = num(m.memUsed), mem_total = num(m.memTotal),
    mem_cache = num(m.memCache), disk_used = num(m.diskUsed), disk_total = num(m.diskTotal) }
end

local LIST_METRICS = config.declare("Sandbox.list_metrics")

--- The latest metric of each of up to 100 sandboxes: `{ [sandbox_id] = e2b.SandboxMetric }`
--- (a sandbox without a sample yet, or gone, has no entry).
---@param sandbox_ids string[]
---@param opts e2b.ConnectionOpts?
---@return table<string, e2b.SandboxMetric>
function Sandbox.list_metrics(sandbox_ids, opts)
  LIST_METRICS:arg("sandbox_ids", sandbox_ids, "table")
  local seen, ids = {}, {}
  for i, id in ipairs(sandbox_ids) do
    if type(id) ~= "string" or id == "" or id:find(",", 1, true) then
      LIST_METRICS:fail(("argument 'sandbox_ids'[%d] must be a sandbox id, got %s"):format(i, type(id) == "string" and ("%q"):format(id) or type(id)))
    end
    if not seen[id] then seen[id] = true; ids[#ids + 1] = id end
  end
  if #ids == 0 or #ids > 100 then LIST_METRICS:fail("argument 'sandbox_ids' must list 1 to 100 sandbox ids") end
  local _, cfg = config.call(LIST_METRICS, opts)
  local data = api.request(cfg, "GET", "/sandboxes/metrics", { query = { { "sandbox_ids", table.concat(ids, ",") } },
    what = "list_metrics", expect = "object" })
  local out = {}
  if type(data.sandboxes) == "table" then
    for id, m in pairs(data.sandboxes) do
      if type(m) == "table" then out[id] = metric(m) end
    end
  end
  return out
end

---@class e2b.SnapshotInfo
---@field snapshot_id string  pass it as `template` to Sandbox.create, or to delete_snapshot
---@field names string[]      the names it is known by ("<team>/<name>"; empty when unnamed)

local function snapshot_info(d)
  local names = {}
  for i, n in ipairs(type(v(d.names)) == "table" and d.names or {}) do names[i] = n end
  return { snapshot_id = d.snapshotID, names = names }
end

local CREATE_SNAPSHOT = config.declare("Sandbox.create_snapshot", { { "name", "string" } }, "Sandbox:create_snapshot")

--- Snapshot a running sandbox's files: `Sandbox.create_snapshot(id, opts)` or
--- `sbx:create_snapshot(opts)`. The sandbox keeps running (same id and lifetime); `name` (optional,
--- may carry a `:tag`) makes it addressable by name. Start from it with
--- `Sandbox.create({ template = info.snapshot_id })`.
---@param self_or_id e2b.Sandbox|string
---@param opts (e2b.ConnectionOpts|{name: string?})?
---@return e2b.SnapshotInfo
function Sandbox.create_snapshot(self_or_id, opts)
  local id, cfg, o = Sandbox._target(CREATE_SNAPSHOT, self_or_id, opts)
  if o.name == "" then named(CREATE_SNAPSHOT, self_or_id):fail("'name' must not be empty") end
  local data = api.request(cfg, "POST", "/sandboxes/" .. seg(id) .. "/snapshots", {
    body = o.name and { name = o.name } or {}, what = "create_snapshot", expect = "object",
    not_found = "Sandbox " .. id .. " not found" })
  return snapshot_info(data)
end

local LIST_SNAPSHOTS = config.declare("Sandbox.list_snapshots", { { "sandbox_id", "string" }, { "name", "string" },
  { "limit", "integer" }, { "next_token", "string" } }, "Sandbox:list_snapshots")

--- List snapshots, newest first: `Sandbox.list_snapshots(opts)` (all of the team's, or those of
--- `sandbox_id` / with `name`) or `sbx:list_snapshots(opts)` (this sandbox's). Returns a paginator
--- (`has_next`, `next_items()`, `iter()`) of e2b.SnapshotInfo; `limit` per page (1..100).
---@param self_or_opts (e2b.Sandbox|e2b.ConnectionOpts|{sandbox_id: string?, name: string?, limit: integer?, next_token: string?})?
---@param opts table?  with a sandbox as first argument: the options
---@return e2b.Paginator
function Sandbox.list_snapshots(self_or_opts, opts)
  local o, cfg
  if Sandbox._is_sandbox(self_or_opts) then
    o, cfg = config.call(LIST_SNAPSHOTS, opts, self_or_opts._cfg)
    o.sandbox_id = self_or_opts.sandbox_id
  else
    o, cfg = config.call(LIST_SNAPSHOTS, self_or_opts)
  end
  if o.limit and (o.limit < 1 or o.limit > 100) then named(LIST_SNAPSHOTS, self_or_opts):fail("'limit' must be from 1 to 100") end
  config.require_api_key(cfg)
  return Pager.new("e2b.SnapshotPaginator", function(token)
    local data, res = api.request(cfg, "GET", "/snapshots", { query = { { "sandboxID", o.sandbox_id },
      { "name", o.name }, { "limit", o.limit and ("%d"):format(o.limit) }, { "nextToken", token } },
      what = "list_snapshots", expect = "array" })
    local out = {}
    for i, d in ipairs(data) do out[i] = snapshot_info(d) end
    return out, res.headers and res.headers["x-next-token"]
  end, o.next_token)
end

local DELETE_SNAPSHOT = config.declare("Sandbox.delete_snapshot")

--- Delete a snapshot: true when deleted, false when it did not exist. A snapshot that sandboxes
--- still run from is refused (SandboxError 400).
---@param snapshot_id string
---@param opts e2b.ConnectionOpts?
---@return boolean
function Sandbox.delete_snapshot(snapshot_id, opts)
  DELETE_SNAPSHOT:arg("snapshot_id", snapshot_id, "nonempty")
  local _, cfg = config.call(DELETE_SNAPSHOT, opts)
  return (api.request(cfg, "DELETE", "/templates/" .. seg(snapshot_id), { ok = true, codes = { [404] = false } }))
end

local FORK = config.declare("Sandbox.fork", { { "count", "integer", 1 }, { "timeout", "seconds" } }, "Sandbox:fork")

-- A failed fork's entry: the error the official SDK makes of {code, message}.
local function fork_error(e)
  if type(e) ~= "table" then return errors.SandboxError:new("Failed to start forked sandbox") end
  local code, message = num(e.code) or 500, type(e.message) == "string" and e.message or ""
  if code == 404 then return errors.NotFoundError:new(("%d: %s"):format(code, message), { status = 404 }) end
  return api.error_for({ status = code, body = json.encode({ code = code, message = message }) })
end

--- Fork a running sandbox: one checkpoint, then `count` (1..100, default 1) new sandboxes from it,
--- each with lifetime `timeout` seconds (default 15, as on E2B): `Sandbox.fork(id, opts)` or
--- `sbx:fork(opts)`. The original keeps running. Returns one entry per fork, in order: a Sandbox,
--- or the error object of a fork that failed (the call itself raises only when nothing was forked).
---@param self_or_id e2b.Sandbox|string
---@param opts (e2b.ConnectionOpts|{count: integer?, timeout: number?})?
---@return (e2b.Sandbox|e2b.Error)[]
function Sandbox.fork(self_or_id, opts)
  local id, cfg, o = Sandbox._target(FORK, self_or_id, opts)
  if o.count < 1 or o.count > 100 then named(FORK, self_or_id):fail("'count' must be from 1 to 100") end
  local data = api.request(cfg, "POST", "/sandboxes/" .. seg(id) .. "/fork", {
    body = { count = o.count, timeout = o.timeout and whole_seconds(o.timeout) }, what = "fork", expect = "array",
    codes = { [404] = function(res)
      local e = json.try_decode(res.body)
      errors.SandboxNotFoundError:raise(type(e) == "table" and type(e.message) == "string" and e.message
        or ("Sandbox " .. id .. " not found"), { status = 404 })
    end } })
  local cls = Sandbox._is_sandbox(self_or_id) and getmetatable(self_or_id) or Sandbox
  local out = {}
  for i, r in ipairs(data) do
    local s = type(r) == "table" and v(r.sandbox)
    if type(s) == "table" and type(s.sandboxID) == "string" and v(r.error) == nil then
      if type(v(s.envdAccessToken)) == "string" and s.envdAccessToken ~= "" then errors.add_secret(s.envdAccessToken) end
      if v(s.domain) == nil then s.domain = nil end
      local sbx = Sandbox._new(cfg, s)
      out[i] = cls ~= Sandbox and setmetatable(sbx, cls) or sbx
    else
      out[i] = fork_error(type(r) == "table" and v(r.error))
    end
  end
  return out
end

---@class e2b.SandboxEvent
---@field id string
---@field version string               "v1" | "v2"
---@field type string                  "sandbox.lifecycle.created" | …killed | …paused | …resumed | …updated | …checkpointed
---@field timestamp string             RFC 3339
---@field sandbox_id string
---@field sandbox_execution_id string
---@field sandbox_template_id string
---@field sandbox_build_id string
---@field sandbox_team_id string
---@field event_data table?            e.g. { set_timeout = "…" }, { kill_reason = "request", execution = {…} }

local EVENT_TYPES = {}
for _, t in ipairs({ "created", "killed", "paused", "resumed", "updated", "checkpointed" }) do
  EVENT_TYPES["sandbox.lifecycle." .. t] = true
end

local function event(d)
  return { id = d.id, version = d.version, type = d.type, timestamp = v(d.timestamp), sandbox_id = d.sandboxId,
    sandbox_execution_id = v(d.sandboxExecutionId), sandbox_template_id = v(d.sandboxTemplateId),
    sandbox_build_id = v(d.sandboxBuildId), sandbox_team_id = v(d.sandboxTeamId),
    event_data = type(v(d.eventData)) == "table" and d.eventData or nil }
end

local EVENT_FIELDS = { { "types", "table" }, { "limit", "integer" }, { "offset", "integer" }, { "order_asc", "boolean" } }
local GET_EVENTS = config.declare("Sandbox.get_events", EVENT_FIELDS, "Sandbox:get_events")
local LIST_EVENTS = config.declare("Sandbox.list_events", EVENT_FIELDS)

local function events(decl, cfg, path, o)
  local q = {}
  for i, t in ipairs(o.types or {}) do
    if not EVENT_TYPES[t] then
      decl:fail(("'types'[%d] must be a sandbox.lifecycle.* event type, got %s"):format(i, tostring(t)))
    end
    q[#q + 1] = { "types", t }
  end
  if o.limit and (o.limit < 1 or o.limit > 100) then decl:fail("'limit' must be from 1 to 100") end
  if o.offset and o.offset < 0 then decl:fail("'offset' must be 0 or more") end
  q[#q + 1] = { "limit", o.limit and ("%d"):format(o.limit) }
  q[#q + 1] = { "offset", o.offset and ("%d"):format(o.offset) }
  if o.order_asc ~= nil then q[#q + 1] = { "orderAsc", tostring(o.order_asc) } end
  local data = api.request(cfg, "GET", path, { query = q, what = "events", expect = "array" })
  local out = {}
  for i, d in ipairs(data) do out[i] = event(d) end
  return out
end

--- A sandbox's lifecycle events (newest first unless `order_asc`): `Sandbox.get_events(id, opts)`
--- or `sbx:get_events(opts)`. `types` filters (e.g. { "sandbox.lifecycle.killed" }), `limit`
--- (1..100, default 10) and `offset` page. Events of a killed sandbox stay listed.
---@param self_or_id e2b.Sandbox|string
---@param opts (e2b.ConnectionOpts|{types: string[]?, limit: integer?, offset: integer?, order_asc: boolean?})?
---@return e2b.SandboxEvent[]
function Sandbox.get_events(self_or_id, opts)
  local id, cfg, o = Sandbox._target(GET_EVENTS, self_or_id, opts)
  return events(named(GET_EVENTS, self_or_id), cfg, "/events/sandboxes/" .. seg(id), o)
end

--- The team's lifecycle events across all its sandboxes, same options as get_events.
---@param opts (e2b.ConnectionOpts|{types: string[]?, limit: integer?, offset: integer?, order_asc: boolean?})?
---@return e2b.SandboxEvent[]
function Sandbox.list_events(opts)
  local o, cfg = config.call(LIST_EVENTS, opts)
  return events(LIST_EVENTS, cfg, "/events/sandboxes", o)
end

return Sandbox
