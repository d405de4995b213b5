--- `e2b.Template`: define a sandbox template in Lua (the official SDKs' builder, in snake_case),
--- build it on E2B with its logs streamed to you, and manage templates (names, tags, list,
--- update, delete). `e2b.Template(opts)` makes a builder (see e2b.TemplateBuilder); each builder
--- method returns a new template, so a base can be shared.
---
--- ```lua
--- local e2b = require("e2b")
--- local T = e2b.Template
--- local tpl = T():from_base_image()
---   :copy("site", "/home/user/site")                          -- relative to this script's directory
---   :run_cmd("echo built > /home/user/site/built.txt")
---   :set_envs({ GREETING = "hi" })
---   :set_start_cmd("cd /home/user/site && python3 -m http.server 8000", T.wait_for_port(8000))
--- local info = T.build(tpl, "my-site", { on_build_logs = function(e) print(e.level, e.message) end })
--- local sbx = e2b.Sandbox.create({ template = "my-site" })
--- ```
---
--- A failed build raises BuildError naming the failing step (`err.step`: "base", "1".."N" or
--- "finalize"; `err.instruction`, e.g. "RUN make"; `err.origin`: the file:line that added it).
---@class e2b.Template
local Template = {}

local B = require("e2b.template.builder")
local files = require("e2b.template.files")
local config = require("e2b.config")
local api = require("e2b.api")
local json = require("e2b.json")
local errors = require("e2b.errors")
local options = require("e2b.options")
local transport = require("e2b.transport")
local Pager = require("e2b.pager")

local seg = api.segment

local function v(x) if x == json.null then return nil end return x end

Template.wait_for_port = B.wait_for_port
Template.wait_for_url = B.wait_for_url
Template.wait_for_process = B.wait_for_process
Template.wait_for_file = B.wait_for_file
Template.wait_for_timeout = B.wait_for_timeout
Template.Builder = B

setmetatable(Template, { __call = function(_, opts) return B.new(opts) end })

--- A new template builder (same as calling `e2b.Template(opts)`).
---@param opts {file_context_path: string?, file_ignore_patterns: string[]?}?
---@return e2b.TemplateBuilder
function Template.new(opts) return B.new(opts) end

local function check_builder(decl, tpl)
  if not B.is_builder(tpl) then
    decl:fail("argument 'template' must be a template (e2b.Template()), got " .. type(tpl))
  end
end

-- The ignore patterns of a template's copies: its own, then the context's .dockerignore.
local function patterns(tpl)
  local out = {}
  for i, p in ipairs(tpl._ignore) do out[i] = p end
  for _, p in ipairs(files.dockerignore(tpl._context)) do out[#out + 1] = p end
  return out
end

-- step index → { entries, hash } of every COPY step (hashes computed from the files now).
local function copies(tpl)
  local out, pats = {}, patterns(tpl)
  for i, s in ipairs(tpl._steps) do
    if s.type == "COPY" then
      local ok, entries = pcall(files.select, tpl._context, s.args[1], pats)
      if not ok then
        if errors.is(entries, errors.BuildError) then
          entries.step, entries.instruction, entries.origin = tostring(i), "COPY " .. s.args[1] .. " " .. s.args[2], s.origin
          if s.origin then entries.message = entries.message .. " (COPY added at " .. s.origin .. ")" end
        end
        error(entries, 0)
      end
      out[i] = { entries = entries, hash = files.hash(tpl._context, s.args[1], s.args[2], entries, s.resolve_symlinks) }
    end
  end
  return out
end

local function hashes_of(c)
  local h = {}
  for i, x in pairs(c) do h[i] = x.hash end
  return h
end

local TO_JSON = options.declare("Template.to_json", { { "compute_hashes", "boolean", true } })

--- The template as the JSON of its build request, exactly as the official SDKs' `toJSON` writes
--- it (2-space indented, same key order), COPY steps with their files hash unless
--- `compute_hashes = false`. Also `tpl:to_json(opts)`.
---@param tpl e2b.TemplateBuilder
---@param opts {compute_hashes: boolean?}?
---@return string
function Template.to_json(tpl, opts)
  check_builder(TO_JSON, tpl)
  local o = TO_JSON:check(opts)
  return B._pretty(tpl:_serialize(o.compute_hashes and hashes_of(copies(tpl)) or nil))
end
B.to_json = Template.to_json

--- The template as a Dockerfile (also `tpl:to_dockerfile()`).
---@param tpl e2b.TemplateBuilder
---@return string
function Template.to_dockerfile(tpl)
  check_builder(TO_JSON, tpl)
  return tpl:to_dockerfile()
end

---------------------------------------------------------------------------------------------------
-- building

local BUILD_FIELDS = { { "tags", "table" }, { "cpu_count", "integer", 2 }, { "memory_mb", "integer", 1024 },
  { "skip_cache", "boolean" }, { "on_build_logs", "callable" } }
local function with(list, more)
  local out = {}
  for i, f in ipairs(list) do out[i] = f end
  for _, f in ipairs(more) do out[#out + 1] = f end
  return out
end
local BUILD = config.declare("Template.build", with(BUILD_FIELDS, { { "timeout", "seconds", 0 } }))
local BUILD_BG = config.declare("Template.build_in_background", BUILD_FIELDS)

---@class e2b.BuildLogEntry
---@field timestamp string  RFC 3339
---@field level "debug"|"info"|"warn"|"error"
---@field message string
---@field step string?      the build step it belongs to ("base", "1".."N", "finalize")

---@class e2b.BuildInfo
---@field template_id string
---@field build_id string
---@field name string        the name it was built under ("name" or "name:tag")
---@field tags string[]

local function now_iso() return os.date("!%Y-%m-%dT%H:%M:%SZ") end

local function log_entry(e)
  return { timestamp = v(e.timestamp), level = v(e.level), message = v(e.message), step = v(e.step) }
end

-- Map a failed build request to the official SDKs' class for it (auth and rate limits stay).
local function as(class, res)
  local e = api.error_for(res)
  if e.name == "SandboxError" then return class:new(e.message, { status = e.status, code = e.code }) end
  return e
end

local function request(cfg, method, path, o, class)
  o.codes = o.codes or {}
  setmetatable(o.codes, { __index = function(_, code)
    if type(code) == "number" and code >= 400 and code ~= 401 and code ~= 429 then
      return function(res) error(as(class, res), 0) end
    end
  end })
  return api.request(cfg, method, path, o)
end

local function check_build(decl, tpl, name, o)
  check_builder(decl, tpl)
  decl:arg("name", name, "nonempty")
  local tags
  if o.tags then
    tags = {}
    for i, t in ipairs(o.tags) do
      if type(t) ~= "string" or t == "" then decl:fail(("'tags'[%d] must be a non-empty string"):format(i)) end
      tags[i] = t
    end
  end
  if o.cpu_count < 1 then decl:fail("'cpu_count' must be at least 1") end
  if o.memory_mb < 128 then decl:fail("'memory_mb' must be at least 128") end
  return tags
end

local function say(o, message)
  if o.on_build_logs then o.on_build_logs({ timestamp = now_iso(), level = "info", message = message }) end
end

-- Upload one COPY step's files unless the server has them (present), or force_upload.
local function upload(cfg, template_id, step, c, o)
  local link = request(cfg, "GET", "/templates/" .. seg(template_id) .. "/files/" .. c.hash,
    { what = "files_link", expect = "object" }, errors.FileUploadError)
  local url = v(link.url)
  if (step.force_upload and url) or (v(link.present) == false and url) then
    local path, size = files.tar(c.entries, step.resolve_symlinks)
    local headers = { ["Content-Type"] = "application/x-tar" }
    for k, x in pairs(type(v(link.headers)) == "table" and link.headers or {}) do
      if type(x) == "string" and k:lower() ~= "content-length" then headers[k] = x end
    end
    local ok, res = pcall(transport.shared(cfg).request, transport.shared(cfg), { method = "PUT", url = url,
      headers = headers, body_file = path, timeout = 3600 })
    os.remove(path)
    if not ok then
      errors.FileUploadError:raise("Failed to upload file: " .. tostring(errors.is(res) and res.message or res))
    end
    if res.status < 200 or res.status >= 300 then
      errors.FileUploadError:raise(("Failed to upload file: %d %s"):format(res.status, res.body or ""), { status = res.status })
    end
    say(o, ("Uploaded '%s' (%d bytes)"):format(step.args[1], size))
  else
    say(o, ("Skipping upload of '%s', already cached"):format(step.args[1]))
  end
end

-- POST /v3/templates, the uploads, POST /v2/…/builds/{id}: the build is started.
local function start(decl, tpl, name, o, cfg)
  local tags = check_build(decl, tpl, name, o)
  say(o, "Requesting build for template: " .. name .. (tags and #tags > 0 and (" with tags " .. table.concat(tags, ", ")) or ""))
  local c = copies(tpl)
  local data = request(cfg, "POST", "/v3/templates", { body = { name = name, tags = tags, cpuCount = o.cpu_count,
    memoryMB = o.memory_mb }, what = "request_build", expect = "object" }, errors.BuildError)
  local template_id, build_id = data.templateID, data.buildID
  if type(template_id) ~= "string" or type(build_id) ~= "string" then
    errors.BuildError:raise("Unexpected response from the API for request_build: no templateID/buildID")
  end
  say(o, ("Template created with ID: %s, Build ID: %s"):format(template_id, build_id))
  for i, s in ipairs(tpl._steps) do
    if s.type == "COPY" then upload(cfg, template_id, s, c[i], o) end
  end
  say(o, "All file uploads completed")
  say(o, "Starting building...")
  request(cfg, "POST", "/v2/templates/" .. seg(template_id) .. "/builds/" .. seg(build_id), {
    body = B._plain(tpl:_serialize(hashes_of(c), o.skip_cache)), ok = true }, errors.BuildError)
  local out_tags = {}
  for i, t in ipairs(type(v(data.tags)) == "table" and data.tags or {}) do out_tags[i] = t end
  return { template_id = template_id, build_id = build_id, name = name, tags = out_tags }
end

-- The BuildError of a failed build, naming its step.
local function build_error(tpl, status)
  local reason = type(status.reason) == "table" and status.reason or {}
  local step = reason.step
  local err = errors.BuildError:new(reason.message or "Unknown error", { step = step,
    template_id = status.template_id, build_id = status.build_id, log_entries = reason.log_entries })
  local n = #tpl._steps
  local idx = step == "base" and 0 or step == "finalize" and n + 1 or tonumber(step)
  local s = idx and tpl._steps[idx]
  local what
  if idx == 0 then
    err.instruction = tpl._base_template and ("FROM TEMPLATE " .. tpl._base_template) or ("FROM " .. tostring(tpl._base_image))
    err.origin, what = tpl._origins.base, "base"
  elseif idx == n + 1 then
    err.instruction = "start " .. tostring(tpl._start_cmd) .. (tpl._ready_cmd and (", ready when " .. tpl._ready_cmd) or "")
    err.origin, what = tpl._origins.finalize, "finalize"
  elseif s then
    err.instruction = s.type .. " " .. table.concat(s.args, " "):gsub("%s+$", "")
    err.origin, what = s.origin, ("step %d of %d"):format(idx, n)
  end
  if what then
    err.message = errors.redact(err.message .. " (" .. what .. ": " .. err.instruction ..
      (err.origin and (", added at " .. err.origin) or "") .. ")")
  end
  return err
end

local STATUS = config.declare("Template.get_build_status", { { "logs_offset", "integer", 0 } })

local function status_of(cfg, info, offset)
  local d = request(cfg, "GET", "/templates/" .. seg(info.template_id) .. "/builds/" .. seg(info.build_id) .. "/status", {
    query = { { "logsOffset", ("%d"):format(offset) } }, what = "build_status", expect = "object" }, errors.BuildError)
  local entries = {}
  for i, e in ipairs(type(v(d.logEntries)) == "table" and d.logEntries or {}) do entries[i] = log_entry(e) end
  local logs = {}
  for i, l in ipairs(type(v(d.logs)) == "table" and d.logs or {}) do logs[i] = l end
  local reason
  if type(v(d.reason)) == "table" then
    local re = {}
    for i, e in ipairs(type(v(d.reason.logEntries)) == "table" and d.reason.logEntries or {}) do re[i] = log_entry(e) end
    reason = { message = v(d.reason.message), step = v(d.reason.step), log_entries = re }
  end
  return { template_id = v(d.templateID) or info.template_id, build_id = v(d.buildID) or info.build_id,
    status = v(d.status), log_entries = entries, logs = logs, reason = reason }
end

---@class e2b.BuildStatus
---@field template_id string
---@field build_id string
---@field status "waiting"|"building"|"ready"|"error"
---@field log_entries e2b.BuildLogEntry[]  from `logs_offset` on (at most 100)
---@field logs string[]
---@field reason {message: string, step: string?, log_entries: e2b.BuildLogEntry[]}?  when status is "error"

--- Where a build is: `info` is what build_in_background returned (`template_id`, `build_id`);
--- `logs_offset` skips the log entries already seen.
---@param info {template_id: string, build_id: string}
---@param opts (e2b.ConnectionOpts|{logs_offset: integer?})?
---@return e2b.BuildStatus
function Template.get_build_status(info, opts)
  STATUS:arg("info", info, "table")
  if type(info.template_id) ~= "string" or type(info.build_id) ~= "string" then
    STATUS:fail("argument 'info' must have template_id and build_id strings")
  end
  local o, cfg = config.call(STATUS, opts)
  if o.logs_offset < 0 then STATUS:fail("'logs_offset' must be 0 or more") end
  return status_of(cfg, info, o.logs_offset)
end

--- Build `tpl` as `name` ("name" or "name:tag") and wait until it is ready: its log entries go
--- to `on_build_logs(entry)` while it builds. Options: `tags` (more tags for this build),
--- `cpu_count` (default 2), `memory_mb` (default 1024), `skip_cache`, `timeout` (seconds to
--- wait for the build, default 0 = as long as it takes). A failed build raises BuildError
--- naming the failing step; a COPY whose files cannot be read or uploaded raises
--- BuildError / FileUploadError before the build starts.
---@param tpl e2b.TemplateBuilder
---@param name string
---@param opts (e2b.ConnectionOpts|{tags: string[]?, cpu_count: integer?, memory_mb: integer?, skip_cache: boolean?, on_build_logs: fun(e: e2b.BuildLogEntry)?, timeout: number?})?
---@return e2b.BuildInfo
function Template.build(tpl, name, opts)
  local o, cfg = config.call(BUILD, opts)
  check_build(BUILD, tpl, name, o)
  local on_logs = o.on_build_logs
  say(o, "Build started")
  local ok, res = pcall(function()
    local info = start(BUILD, tpl, name, o, cfg)
    say(o, "Waiting for logs...")
    local T = transport.shared(cfg)
    local deadline = o.timeout > 0 and (os.time() + o.timeout) or nil
    local offset = 0
    while true do
      local st = status_of(cfg, info, offset)
      offset = offset + #st.log_entries
      for _, e in ipairs(st.log_entries) do if on_logs then on_logs(e) end end
      if st.status == "ready" or st.status == "error" then
        -- the server pages its logs: read until an empty page
        local tail = st
        for _ = 1, 10000 do
          if #tail.log_entries == 0 then break end
          tail = status_of(cfg, info, offset)
          offset = offset + #tail.log_entries
          for _, e in ipairs(tail.log_entries) do if on_logs then on_logs(e) end end
        end
        if st.status == "ready" then return info end
        error(build_error(tpl, st), 0)
      elseif st.status ~= "building" and st.status ~= "waiting" then
        errors.BuildError:raise("Unknown build status: " .. tostring(st.status))
      end
      if deadline and os.time() >= deadline then
        errors.TimeoutError:raise(("Template.build: %s was still %s after %d s (timeout)"):format(name, st.status, o.timeout))
      end
      T:sleep(0.2)
    end
  end)
  if on_logs then pcall(on_logs, { timestamp = now_iso(), level = "info", message = "Build finished" }) end
  if not ok then error(res, 0) end
  return res
end

--- Start building `tpl` as `name` and return at once (same options as build but `timeout`):
--- follow it with get_build_status.
---@param tpl e2b.TemplateBuilder
---@param name string
---@param opts (e2b.ConnectionOpts|{tags: string[]?, cpu_count: integer?, memory_mb: integer?, skip_cache: boolean?, on_build_logs: fun(e: e2b.BuildLogEntry)?})?
---@return e2b.BuildInfo
function Template.build_in_background(tpl, name, opts)
  local o, cfg = config.call(BUILD_BG, opts)
  return start(BUILD_BG, tpl, name, o, cfg)
end

---------------------------------------------------------------------------------------------------
-- managing templates

local EXISTS = config.declare("Template.exists")

--- True when a template (or snapshot) with this name exists — also one of another team
--- (E2B answers 403 for those).
---@param name string
---@param opts e2b.ConnectionOpts?
---@return boolean
function Template.exists(name, opts)
  EXISTS:arg("name", name, "nonempty")
  local _, cfg = config.call(EXISTS, opts)
  return (request(cfg, "GET", "/templates/aliases/" .. seg(name), { ok = true,
    codes = { [404] = false, [403] = true } }, errors.TemplateError))
end

---@class e2b.TemplateInfo
---@field template_id string
---@field build_id string
---@field names string[]
---@field aliases string[]
---@field public boolean
---@field cpu_count integer
---@field memory_mb integer
---@field disk_size_mb integer?
---@field created_at string
---@field updated_at string
---@field last_spawned_at string?
---@field spawn_count integer
---@field build_count integer
---@field build_status string?
---@field envd_version string?

local function list_of(x)
  local out = {}
  for i, s in ipairs(type(v(x)) == "table" and x or {}) do out[i] = s end
  return out
end

local function template_info(d)
  return { template_id = d.templateID, build_id = v(d.buildID), names = list_of(d.names), aliases = list_of(d.aliases),
    public = v(d.public), cpu_count = v(d.cpuCount), memory_mb = v(d.memoryMB), disk_size_mb = v(d.diskSizeMB),
    created_at = v(d.createdAt), updated_at = v(d.updatedAt), last_spawned_at = v(d.lastSpawnedAt),
    spawn_count = v(d.spawnCount), build_count = v(d.buildCount), build_status = v(d.buildStatus),
    envd_version = v(d.envdVersion) }
end

local LIST = config.declare("Template.list", { { "team_id", "string" }, { "limit", "integer" }, { "next_token", "string" } })

--- The team's templates: a paginator (`has_next`, `next_items()`, `iter()`) of e2b.TemplateInfo;
--- `limit` per page (1..100).
---@param opts (e2b.ConnectionOpts|{team_id: string?, limit: integer?, next_token: string?})?
---@return e2b.Paginator
function Template.list(opts)
  local o, cfg = config.call(LIST, opts)
  if o.limit and (o.limit < 1 or o.limit > 100) then LIST:fail("'limit' must be from 1 to 100") end
  config.require_api_key(cfg)
  return Pager.new("e2b.TemplatePaginator", function(token)
    local data, res = request(cfg, "GET", "/v2/templates", { query = { { "teamID", o.team_id },
      { "limit", o.limit and ("%d"):format(o.limit) }, { "nextToken", token } }, what = "list_templates", expect = "array" },
      errors.TemplateError)
    local out = {}
    for i, d in ipairs(data) do out[i] = template_info(d) end
    return out, res.headers and res.headers["x-next-token"]
  end, o.next_token)
end

local UPDATE = config.declare("Template.update", { { "public", "boolean" } })

--- Change a template: `public = true` lets other teams start sandboxes from it. Returns its
--- names.
---@param template_id string
---@param opts e2b.ConnectionOpts|{public: boolean?}
---@return {names: string[]}
function Template.update(template_id, opts)
  UPDATE:arg("template_id", template_id, "string")
  local o, cfg = config.call(UPDATE, opts)
  if o.public == nil then UPDATE:fail("'public' is required") end
  local d = request(cfg, "PATCH", "/v2/templates/" .. seg(template_id), { body = { public = o.public },
    what = "update_template" }, errors.TemplateError)
  return { names = list_of(type(d) == "table" and d.names) }
end

local DELETE = config.declare("Template.delete")

--- Delete a template (every build and tag): true, or false when it did not exist. Refused
--- (TemplateError 400) while sandboxes run from it.
---@param template_id string
---@param opts e2b.ConnectionOpts?
---@return boolean
function Template.delete(template_id, opts)
  DELETE:arg("template_id", template_id, "nonempty")
  local _, cfg = config.call(DELETE, opts)
  return (request(cfg, "DELETE", "/templates/" .. seg(template_id), { ok = true, codes = { [404] = false } },
    errors.TemplateError))
end

local function tag_list(decl, tags)
  if type(tags) == "string" then tags = { tags } end
  decl:arg("tags", tags, "table")
  local out = {}
  for i, t in ipairs(tags) do
    if type(t) ~= "string" or t == "" then decl:fail(("argument 'tags'[%d] must be a non-empty string"):format(i)) end
    out[i] = t
  end
  if #out == 0 then decl:fail("argument 'tags' must list at least one tag") end
  return out
end

local ASSIGN = config.declare("Template.assign_tags")

--- Give the build `target` ("name:tag", or "name" = its default tag) more tags.
---@param target string
---@param tags string|string[]
---@param opts e2b.ConnectionOpts?
---@return {build_id: string, tags: string[]}
function Template.assign_tags(target, tags, opts)
  ASSIGN:arg("target", target, "string")
  local list = tag_list(ASSIGN, tags)
  local _, cfg = config.call(ASSIGN, opts)
  local d = request(cfg, "POST", "/templates/tags", { body = { target = target, tags = list }, what = "assign_tags",
    expect = "object" }, errors.TemplateError)
  return { build_id = v(d.buildID), tags = list_of(d.tags) }
end

local REMOVE = config.declare("Template.remove_tags")

--- Take tags off a template `name`.
---@param name string
---@param tags string|string[]
---@param opts e2b.ConnectionOpts?
function Template.remove_tags(name, tags, opts)
  REMOVE:arg("name", name, "string")
  local list = tag_list(REMOVE, tags)
  local _, cfg = config.call(REMOVE, opts)
  request(cfg, "DELETE", "/templates/tags", { body = { name = name, tags = list }, ok = true }, errors.TemplateError)
end

local GET_TAGS = config.declare("Template.get_tags")

--- A template's tags: `{ { tag, build_id, created_at }, … }`.
---@param template_id string  id or name
---@param opts e2b.ConnectionOpts?
---@return {tag: string, build_id: string, created_at: string}[]
function Template.get_tags(template_id, opts)
  GET_TAGS:arg("template_id", template_id, "string")
  local _, cfg = config.call(GET_TAGS, opts)
  local out = {}
  for i, d in ipairs(request(cfg, "GET", "/templates/" .. seg(template_id) .. "/tags", { what = "get_tags",
      expect = "array" }, errors.TemplateError)) do
    out[i] = { tag = v(d.tag), build_id = v(d.buildID), created_at = v(d.createdAt) }
  end
  return out
end

return Template
