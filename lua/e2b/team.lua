--- `e2b.team`: the team's usage over time — concurrent sandboxes and sandbox starts per second.
---
--- ```lua
--- local e2b = require("e2b")
--- for _, m in ipairs(e2b.team.get_metrics({ start = os.time() - 600 })) do
---   print(m.timestamp_unix, m.concurrent_sandboxes, m.sandbox_start_rate)
--- end
--- print(e2b.team.get_max_metric({ metric = "concurrent_sandboxes" }).value)
--- ```
---
--- Without `team_id` the calls use the API key's team: `E2B_TEAM_ID` when set, else the team the
--- API names when asked about a team that is not the key's (one extra request, remembered).
---@class e2b.team
local team = {}

local config = require("e2b.config")
local api = require("e2b.api")
local json = require("e2b.json")
local errors = require("e2b.errors")

local function v(x) if x == json.null then return nil end return x end
local function num(x) x = v(x); return type(x) == "number" and x or tonumber(x) end

-- api_url .. " " .. api_key → the key's team id (a process-local cache, never printed).
local known = {}

local NO_TEAM = "00000000-0000-0000-0000-000000000000"

-- The API key's team: E2B refuses another team's metrics naming the caller's team
-- ("You (<team>) are not authorized to access this team's (<id>) metrics", team_metrics.go).
local function key_team(cfg)
  local env = config.getenv("E2B_TEAM_ID")
  if env and env ~= "" then return env end
  config.require_api_key(cfg)
  local slot = cfg.api_url .. " " .. cfg.api_key
  if known[slot] then return known[slot] end
  local res = api.call(cfg, "GET", "/teams/" .. NO_TEAM .. "/metrics?start=0&end=0")
  local body = json.try_decode(res.body)
  local msg = type(body) == "table" and type(body.message) == "string" and body.message or ""
  local id = res.status == 403 and msg:match("^You %(([%w%-]+)%) are not authorized")
  if not id then
    if res.status == 401 or res.status == 429 then error(api.error_for(res), 0) end
    errors.SandboxError:raise("could not tell the API key's team (pass team_id or set E2B_TEAM_ID): " ..
      res.status .. " " .. msg)
  end
  known[slot] = id
  return id
end

local function unix(decl, o, k)
  local x = o[k]
  if x == nil then return nil end
  if x < 0 then decl:fail("'" .. k .. "' must be unix seconds >= 0") end
  return ("%d"):format(math.floor(x))
end

local function window(decl, o)
  local s, e = unix(decl, o, "start"), unix(decl, o, "end")
  if o.start and o["end"] and o.start > o["end"] then decl:fail("'start' must not be after 'end'") end
  return s, e
end

local function team_path(decl, o, cfg)
  if o.team_id == "" then decl:fail("'team_id' must not be empty") end
  return "/teams/" .. api.segment(o.team_id or key_team(cfg)) .. "/metrics"
end

---@class e2b.TeamMetric
---@field timestamp string              RFC 3339
---@field timestamp_unix number         unix seconds
---@field concurrent_sandboxes integer  most sandboxes running at once in the interval
---@field sandbox_start_rate number     sandboxes started per second

local GET_METRICS = config.declare("team.get_metrics", { { "team_id", "string" }, { "start", "number" }, { "end", "number" } })

--- The team's metrics over `start`..`["end"]` (unix seconds; default: the server's recent range),
--- oldest first. Another team's id raises SandboxError 403.
---@param opts (e2b.ConnectionOpts|{team_id: string?, start: number?, ["end"]: number?})?
---@return e2b.TeamMetric[]
function team.get_metrics(opts)
  local o, cfg = config.call(GET_METRICS, opts)
  local s, e = window(GET_METRICS, o)
  local data = api.request(cfg, "GET", team_path(GET_METRICS, o, cfg), {
    query = { { "start", s }, { "end", e } }, what = "team_metrics", expect = "array" })
  local out = {}
  for i, m in ipairs(data) do
    out[i] = { timestamp = v(m.timestamp), timestamp_unix = num(m.timestampUnix),
      concurrent_sandboxes = num(m.concurrentSandboxes), sandbox_start_rate = num(m.sandboxStartRate) }
  end
  return out
end

---@class e2b.MaxTeamMetric
---@field timestamp string
---@field timestamp_unix number
---@field value number

local METRICS = { concurrent_sandboxes = true, sandbox_start_rate = true }
local GET_MAX = config.declare("team.get_max_metric", { { "metric", "string" }, { "team_id", "string" },
  { "start", "number" }, { "end", "number" } })

--- The highest value of one metric ("concurrent_sandboxes" | "sandbox_start_rate") over
--- `start`..`["end"]`, and when it was reached.
---@param opts e2b.ConnectionOpts|{metric: "concurrent_sandboxes"|"sandbox_start_rate", team_id: string?, start: number?, ["end"]: number?}
---@return e2b.MaxTeamMetric
function team.get_max_metric(opts)
  local o, cfg = config.call(GET_MAX, opts)
  if not METRICS[o.metric or ""] then
    GET_MAX:fail("'metric' must be \"concurrent_sandboxes\" or \"sandbox_start_rate\", got " .. tostring(o.metric))
  end
  local s, e = window(GET_MAX, o)
  local m = api.request(cfg, "GET", team_path(GET_MAX, o, cfg) .. "/max", {
    query = { { "metric", o.metric }, { "start", s }, { "end", e } }, what = "team_max_metric", expect = "object" })
  return { timestamp = v(m.timestamp), timestamp_unix = num(m.timestampUnix), value = num(m.value) }
end

return team
