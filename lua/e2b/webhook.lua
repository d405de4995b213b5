--- `e2b.Webhook`: lifecycle events POSTed to your URL (E2B's events API), and
--- `Webhook.verify` for the receiving side.
---
--- ```lua
--- local e2b = require("e2b")
--- local hook = e2b.Webhook.create({ name = "audit", url = "http://127.0.0.1:8080/hook",
---   events = { "sandbox.lifecycle.created", "sandbox.lifecycle.killed" }, signature_secret = secret })
--- e2b.Webhook.update(hook.id, { enabled = false })
--- for d in e2b.Webhook.deliveries(hook.id):iter() do print(d.event_type, d.attempts[1].delivery_status) end
--- e2b.Webhook.delete(hook.id)
--- -- receiving side: the raw body and the e2b-signature header of the request
--- assert(e2b.Webhook.verify(secret, raw_body, headers["e2b-signature"]))
--- ```
---
--- Each delivery is a POST of the event's JSON (e2b.SandboxEvent, camelCase on the wire) with the
--- headers `e2b-webhook-id`, `e2b-delivery-id`, `e2b-signature-version: v1` and `e2b-signature`.
--- The signature secret is write-only: no answer returns it, and no error or tostring shows it.
---@class e2b.Webhook
local Webhook = {}

local core = require("e2b.native")
local config = require("e2b.config")
local api = require("e2b.api")
local json = require("e2b.json")
local errors = require("e2b.errors")
local options = require("e2b.options")
local Pager = require("e2b.pager")

local function v(x) if x == json.null then return nil end return x end

local EVENT_TYPES = {}
for _, t in ipairs({ "created", "killed", "paused", "resumed", "updated", "checkpointed" }) do
  EVENT_TYPES["sandbox.lifecycle." .. t] = true
end

---@class e2b.WebhookInfo
---@field id string
---@field name string
---@field url string
---@field events string[]     sandbox.lifecycle.* types it receives
---@field enabled boolean
---@field team_id string
---@field created_at string   RFC 3339

local function info(d)
  local evs = {}
  for i, e in ipairs(type(v(d.events)) == "table" and d.events or {}) do evs[i] = e end
  return { id = d.id, name = v(d.name), url = v(d.url), events = evs, enabled = v(d.enabled),
    team_id = v(d.teamId), created_at = v(d.createdAt) }
end

local FIELDS = { { "name", "string" }, { "url", "string" }, { "events", "table" }, { "enabled", "boolean" },
  { "signature_secret", "string" } }

-- The JSON body of create / update from the checked fields.
local function body_of(decl, o)
  if o.signature_secret ~= nil then
    if o.signature_secret == "" then decl:fail("'signature_secret' must not be empty") end
    errors.add_secret(o.signature_secret)
  end
  if o.name ~= nil and o.name:match("^%s*$") then decl:fail("'name' must not be empty") end
  if o.url ~= nil and not o.url:match("^https?://[^/]") then decl:fail("'url' must be an http(s) URL") end
  local evs
  if o.events ~= nil then
    evs = {}
    for i, e in ipairs(o.events) do
      if not EVENT_TYPES[e] then
        decl:fail(("'events'[%d] must be a sandbox.lifecycle.* event type, got %s"):format(i, tostring(e)))
      end
      evs[i] = e
    end
    if #evs == 0 then decl:fail("'events' must list at least one event type") end
  end
  return { name = o.name, url = o.url, events = evs, enabled = o.enabled, signatureSecret = o.signature_secret }
end

local function id_arg(decl, id)
  decl:arg("webhook_id", id, "nonempty")
  return api.segment(id)
end

local function not_found(id)
  return function() errors.NotFoundError:raise("Webhook " .. id .. " not found", { status = 404 }) end
end

local CREATE = config.declare("Webhook.create", FIELDS)

--- Register a webhook. `name`, `url`, `events` and `signature_secret` are required; `enabled`
--- defaults to true.
---@param opts e2b.ConnectionOpts|{name: string, url: string, events: string[], enabled: boolean?, signature_secret: string}
---@return e2b.WebhookInfo
function Webhook.create(opts)
  local o, cfg = config.call(CREATE, opts)
  for _, k in ipairs({ "name", "url", "events", "signature_secret" }) do
    if o[k] == nil then CREATE:fail("'" .. k .. "' is required") end
  end
  local body = body_of(CREATE, o)
  if body.enabled == nil then body.enabled = true end
  return info(api.request(cfg, "POST", "/events/webhooks", { body = body, what = "create_webhook", expect = "object" }))
end

local GET = config.declare("Webhook.get")

--- One webhook. An unknown id raises NotFoundError.
---@param webhook_id string
---@param opts e2b.ConnectionOpts?
---@return e2b.WebhookInfo
function Webhook.get(webhook_id, opts)
  local path = id_arg(GET, webhook_id)
  local _, cfg = config.call(GET, opts)
  return info(api.request(cfg, "GET", "/events/webhooks/" .. path, { what = "get_webhook", expect = "object",
    codes = { [404] = not_found(webhook_id) } }))
end

local LIST = config.declare("Webhook.list")

--- The team's webhooks.
---@param opts e2b.ConnectionOpts?
---@return e2b.WebhookInfo[]
function Webhook.list(opts)
  local _, cfg = config.call(LIST, opts)
  local out = {}
  for i, d in ipairs(api.request(cfg, "GET", "/events/webhooks", { what = "list_webhooks", expect = "array" })) do
    out[i] = info(d)
  end
  return out
end

local UPDATE = config.declare("Webhook.update")
local UPDATE_FIELDS = UPDATE:sub("fields", FIELDS)

--- Change some of a webhook's fields (`name`, `url`, `events`, `enabled`, `signature_secret`);
--- the others stay. Returns the webhook as it is now. An unknown id raises NotFoundError.
---@param webhook_id string
---@param fields {name: string?, url: string?, events: string[]?, enabled: boolean?, signature_secret: string?}
---@param opts e2b.ConnectionOpts?
---@return e2b.WebhookInfo
function Webhook.update(webhook_id, fields, opts)
  local path = id_arg(UPDATE, webhook_id)
  UPDATE:arg("fields", fields, "table")
  local body = body_of(UPDATE, UPDATE_FIELDS:check(fields))
  if next(body) == nil then UPDATE:fail("argument 'fields' must change at least one field") end
  local _, cfg = config.call(UPDATE, opts)
  return info(api.request(cfg, "PATCH", "/events/webhooks/" .. path, { body = body, what = "update_webhook",
    expect = "object", codes = { [404] = not_found(webhook_id) } }))
end

local DELETE = config.declare("Webhook.delete")

--- Delete a webhook: true when deleted, false when it did not exist.
---@param webhook_id string
---@param opts e2b.ConnectionOpts?
---@return boolean
function Webhook.delete(webhook_id, opts)
  local path = id_arg(DELETE, webhook_id)
  local _, cfg = config.call(DELETE, opts)
  return (api.request(cfg, "DELETE", "/events/webhooks/" .. path, { ok = true, codes = { [404] = false } }))
end

---@class e2b.WebhookAttempt
---@field id string
---@field attempt integer               1 for the first try
---@field timestamp string              RFC 3339
---@field delivery_status "success"|"failed"
---@field duration_ms number
---@field request_url string
---@field response_status_code integer? nil when no answer came
---@field error_message string?

---@class e2b.WebhookDelivery
---@field event_id string
---@field event_type string
---@field sandbox_id string
---@field attempts e2b.WebhookAttempt[]

local function delivery(d)
  local attempts = {}
  for i, a in ipairs(type(v(d.attempts)) == "table" and d.attempts or {}) do
    attempts[i] = { id = v(a.id), attempt = v(a.attempt), timestamp = v(a.timestamp),
      delivery_status = v(a.deliveryStatus), duration_ms = v(a.durationMs), request_url = v(a.requestUrl),
      response_status_code = v(a.responseStatusCode), error_message = v(a.errorMessage) }
  end
  return { event_id = v(d.eventId), event_type = v(d.eventType), sandbox_id = v(d.sandboxId), attempts = attempts }
end

local DELIVERIES = config.declare("Webhook.deliveries", { { "limit", "integer" }, { "cursor", "string" },
  { "order_asc", "boolean" }, { "start", "number" }, { "end", "number" }, { "status", "string" },
  { "event_type", "string" } })

--- The deliveries of a webhook's events (newest first unless `order_asc`), each with its attempts:
--- a paginator (`has_next`, `next_items()`, `iter()`). `limit` per page (1..100, default 25),
--- `start` / `["end"]` (unix seconds), `status` ("success" | "failed"), `event_type`, `cursor`
--- (a page's `next_token`).
---@param webhook_id string
---@param opts (e2b.ConnectionOpts|{limit: integer?, cursor: string?, order_asc: boolean?, start: number?, ["end"]: number?, status: string?, event_type: string?})?
---@return e2b.Paginator
function Webhook.deliveries(webhook_id, opts)
  local path = "/events/webhooks/" .. id_arg(DELIVERIES, webhook_id) .. "/deliveries"
  local o, cfg = config.call(DELIVERIES, opts)
  if o.limit and (o.limit < 1 or o.limit > 100) then DELIVERIES:fail("'limit' must be from 1 to 100") end
  if o.status and o.status ~= "success" and o.status ~= "failed" then
    DELIVERIES:fail("'status' must be \"success\" or \"failed\"")
  end
  if o.event_type and not EVENT_TYPES[o.event_type] then
    DELIVERIES:fail("'event_type' must be a sandbox.lifecycle.* event type")
  end
  for _, k in ipairs({ "start", "end" }) do
    if o[k] and o[k] < 0 then DELIVERIES:fail("'" .. k .. "' must be unix seconds >= 0") end
  end
  config.require_api_key(cfg)
  return Pager.new("e2b.WebhookDeliveryPaginator", function(cursor)
    local data = api.request(cfg, "GET", path, { query = {
      { "limit", o.limit and ("%d"):format(o.limit) }, { "cursor", cursor },
      { "orderAsc", o.order_asc ~= nil and tostring(o.order_asc) or nil },
      { "start", o.start and ("%d"):format(o.start) }, { "end", o["end"] and ("%d"):format(o["end"]) },
      { "deliveryStatus", o.status }, { "eventType", o.event_type } },
      what = "webhook_deliveries", expect = "object", codes = { [404] = not_found(webhook_id) } })
    local out = {}
    for i, d in ipairs(type(v(data.data)) == "table" and data.data or {}) do out[i] = delivery(d) end
    return out, type(v(data.nextCursor)) == "string" and data.nextCursor or nil
  end, o.cursor)
end

--- The `e2b-signature` header E2B sends with `raw_body` for `secret`: base64url without padding
--- of sha256(secret .. raw_body).
---@param secret string
---@param raw_body string
---@return string
function Webhook.sign(secret, raw_body)
  options.arg("Webhook.sign", "secret", secret, "string")
  options.arg("Webhook.sign", "raw_body", raw_body, "string")
  errors.add_secret(secret)
  return (core.b64encode(core.sha256(secret .. raw_body)):gsub("=+$", ""):gsub("[+/]", { ["+"] = "-", ["/"] = "_" }))
end

--- True when `signature` (the request's `e2b-signature` header) is E2B's signature of `raw_body`
--- (the body exactly as received, before any JSON decoding) with `secret`; false otherwise,
--- also for a missing header. The comparison takes the same time wherever the strings differ.
---@param secret string
---@param raw_body string
---@param signature string?
---@return boolean
function Webhook.verify(secret, raw_body, signature)
  options.arg("Webhook.verify", "secret", secret, "nonempty")
  options.arg("Webhook.verify", "raw_body", raw_body, "string")
  options.arg("Webhook.verify", "signature", signature, { "string", "nil" })
  if signature == nil then return false end
  local want = Webhook.sign(secret, raw_body)
  signature = signature:gsub("^%s+", ""):gsub("%s+$", "")
  if #signature ~= #want then return false end
  local diff = 0
  for i = 1, #want do
    if want:byte(i) ~= signature:byte(i) then diff = diff + 1 end
  end
  return diff == 0
end

return Webhook
