--- What a code-interpreter execution returns, and how it is assembled from the NDJSON events of
--- `/execute` (one event per line, fed in as each line arrives).
---
--- ```lua
--- local models = require("e2b.code_interpreter.models")
--- local ex = models.Execution.new()
--- models.feed(ex, '{"type": "result", "text": "2", "extra": {}, "is_main_result": true}', {})
--- ex.text                 --> "2"
--- ex.results[1]:formats() --> { "text" }
--- ```
---@class e2b.code_interpreter.models
local models = {}

local json = require("e2b.json")
local errors = require("e2b.errors")

-- JSON numbers decode as floats on 5.3+; counts read better as integers (3, not 3.0).
local function int(v)
  v = tonumber(v)
  return v and math.tointeger and math.tointeger(v) or v
end

local function str(v)
  if type(v) == "string" then return v end
  if v == nil or v == json.null then return nil end
  return tostring(v)
end

local function value(v)
  if v == json.null then return nil end
  return v
end

---------------------------------------------------------------------------------------------------
-- Result

--- The formats a result may carry, in the order `formats()` lists them (the Python SDK's).
models.FORMATS = { "text", "html", "markdown", "svg", "png", "jpeg", "pdf", "latex", "json",
                   "javascript", "data", "chart" }
local KNOWN = { type = true, extra = true, is_main_result = true }
for _, f in ipairs(models.FORMATS) do KNOWN[f] = true end

--- One output of a cell: the value of its last expression (`is_main_result`), or something it
--- displayed (a figure, a DataFrame, HTML …). Each format the kernel produced is a field:
--- `text`, `html`, `markdown`, `svg`, `png` and `jpeg` (base64), `pdf`, `latex`, `json` (a table),
--- `javascript`, `data` (a table, e.g. a DataFrame's columns), `chart` (a table: type, title,
--- elements …); `extra` holds every other MIME type (a table, `{}` when none).
---@class e2b.code_interpreter.Result
---@field text string?
---@field html string?
---@field markdown string?
---@field svg string?
---@field png string?          base64
---@field jpeg string?         base64
---@field pdf string?
---@field latex string?
---@field json table?
---@field javascript string?
---@field data table?
---@field chart table?
---@field extra table<string, any>
---@field is_main_result boolean
local Result = {}
Result.__index = Result
Result.__name = "e2b.code_interpreter.Result"
models.Result = Result

function Result.__tostring(self)
  if self.text then return "Result(" .. self.text .. ")" end
  return "Result(Formats: " .. table.concat(self:formats(), ", ") .. ")"
end

--- Make a Result from a decoded `result` event (its `type` key is ignored). Top-level keys that
--- are no known format go into `extra` too.
---@param t table
---@return e2b.code_interpreter.Result
function Result.new(t)
  local r = { extra = {}, is_main_result = value(t.is_main_result) == true }
  for _, f in ipairs(models.FORMATS) do r[f] = value(t[f]) end
  if type(t.extra) == "table" then
    for k, v in pairs(t.extra) do r.extra[k] = value(v) end
  end
  for k, v in pairs(t) do
    if type(k) == "string" and not KNOWN[k] and r.extra[k] == nil then r.extra[k] = value(v) end
  end
  return setmetatable(r, Result)
end

--- The formats present, in a fixed order: text, html, markdown, svg, png, jpeg, pdf, latex, json,
--- javascript, data, chart, then the `extra` MIME types (sorted).
---@return string[]
function Result:formats()
  local out = {}
  for _, f in ipairs(models.FORMATS) do
    local v = self[f]
    if v ~= nil and v ~= "" then out[#out + 1] = f end
  end
  local extra = {}
  for k in pairs(self.extra or {}) do extra[#extra + 1] = k end
  table.sort(extra)
  for _, k in ipairs(extra) do out[#out + 1] = k end
  return out
end

---------------------------------------------------------------------------------------------------
-- ExecutionError

--- An error the code raised in the kernel (a value on the Execution, not raised in Lua).
--- `name` is the exception class ("NameError"; "" for a bash exit status), `value` its message
--- (the exit code for bash), `traceback` the kernel's traceback text.
---@class e2b.code_interpreter.ExecutionError
---@field name string
---@field value string
---@field traceback string
local ExecutionError = {}
ExecutionError.__index = ExecutionError
ExecutionError.__name = "e2b.code_interpreter.ExecutionError"
models.ExecutionError = ExecutionError

function ExecutionError.__tostring(self)
  return self.name .. ": " .. self.value
end

--- Make an ExecutionError from a decoded `error` event.
---@param t table
---@return e2b.code_interpreter.ExecutionError
function ExecutionError.new(t)
  return setmetatable({ name = str(t.name) or "", value = str(t.value) or "",
                        traceback = str(t.traceback) or "" }, ExecutionError)
end

---------------------------------------------------------------------------------------------------
-- Execution

--- The outcome of one `run_code`: `results` (display outputs and the main result, in order),
--- `logs.stdout` / `logs.stderr` (the printed text, one entry per message the kernel sent),
--- `error` (an ExecutionError or nil), `execution_count` (the cell's number in its context) and
--- `text` (the main result's text, or nil).
---@class e2b.code_interpreter.Execution
---@field results e2b.code_interpreter.Result[]
---@field logs { stdout: string[], stderr: string[] }
---@field error e2b.code_interpreter.ExecutionError?
---@field execution_count integer?
---@field text string?
local Execution = {}
Execution.__name = "e2b.code_interpreter.Execution"
models.Execution = Execution

Execution.__index = function(self, k)
  if k == "text" then
    for _, r in ipairs(rawget(self, "results")) do
      if r.is_main_result then return r.text end
    end
    return nil
  end
  return Execution[k]
end

function Execution.__tostring(self)
  local parts = {}
  for i, r in ipairs(self.results) do parts[i] = tostring(r) end
  return ("Execution(Results: [%s], Logs: %d stdout, %d stderr, Error: %s)"):format(
    table.concat(parts, ", "), #self.logs.stdout, #self.logs.stderr,
    self.error and tostring(self.error) or "none")
end

--- An empty execution (filled by `models.feed`).
---@return e2b.code_interpreter.Execution
function Execution.new()
  return setmetatable({ results = {}, logs = { stdout = {}, stderr = {} } }, Execution)
end

---------------------------------------------------------------------------------------------------
-- events → model

---@class e2b.code_interpreter.OutputMessage
---@field line string        the text of one output message (usually ends with "\n")
---@field timestamp string?  when the kernel sent it (ISO 8601, as the server reported it)
---@field error boolean      true for stderr

---@class e2b.code_interpreter.Handlers
---@field on_stdout (fun(msg: e2b.code_interpreter.OutputMessage))?
---@field on_stderr (fun(msg: e2b.code_interpreter.OutputMessage))?
---@field on_result (fun(result: e2b.code_interpreter.Result))?
---@field on_error (fun(err: e2b.code_interpreter.ExecutionError))?

--- Decode one NDJSON line of `/execute`: the event table, or nil for an empty line. A line that
--- is not a JSON object raises SandboxError (kind "malformed").
---@param line string
---@return table?
function models.decode(line)
  if not line:find("%S") then return nil end
  local ev = json.try_decode(line)
  if type(ev) ~= "table" then
    errors.SandboxError:raise("the code interpreter sent a line that is not a JSON object: " ..
      line:sub(1, 120), { kind = "malformed" })
  end
  return ev
end

--- Apply one NDJSON line of `/execute` to `ex` (models.decode, then models.apply).
---@param ex e2b.code_interpreter.Execution
---@param line string
---@param h e2b.code_interpreter.Handlers
---@return boolean finished
function models.feed(ex, line, h)
  local ev = models.decode(line)
  if ev == nil then return false end
  return models.apply(ex, ev, h)
end

--- Apply one decoded event to `ex` and call the matching handler. `keepalive` and unknown event
--- types change nothing; `end_of_execution` marks the end (the returned flag).
---@param ex e2b.code_interpreter.Execution
---@param ev table
---@param h e2b.code_interpreter.Handlers
---@return boolean finished
function models.apply(ex, ev, h)
  local t = ev.type
  if t == "result" then
    local r = Result.new(ev)
    ex.results[#ex.results + 1] = r
    if h.on_result then h.on_result(r) end
  elseif t == "stdout" or t == "stderr" then
    local text = str(ev.text) or ""
    local list = ex.logs[t]
    list[#list + 1] = text
    local cb = t == "stdout" and h.on_stdout or h.on_stderr
    if cb then cb({ line = text, timestamp = str(ev.timestamp), error = t == "stderr" }) end
  elseif t == "error" then
    local e = ExecutionError.new(ev)
    rawset(ex, "error", e)
    if h.on_error then h.on_error(e) end
  elseif t == "number_of_executions" then
    rawset(ex, "execution_count", int(ev.execution_count))
  elseif t == "end_of_execution" then
    return true
  end
  return false
end

---------------------------------------------------------------------------------------------------
-- Context

--- A code context: its own kernel, so its own state (variables, imports, cwd).
---@class e2b.code_interpreter.Context
---@field id string
---@field language string
---@field cwd string
local Context = {}
Context.__index = Context
Context.__name = "e2b.code_interpreter.Context"
models.Context = Context

function Context.__tostring(self)
  return ("Context(id=%s, language=%s, cwd=%s)"):format(self.id, tostring(self.language), tostring(self.cwd))
end

--- Make a Context from the server's `{id, language, cwd}`. Raises SandboxError without an id.
---@param t any
---@return e2b.code_interpreter.Context
function Context.from_json(t)
  if type(t) ~= "table" or type(t.id) ~= "string" then
    errors.SandboxError:raise("the code interpreter sent an invalid context (no id)")
  end
  return setmetatable({ id = t.id, language = str(t.language), cwd = str(t.cwd) }, Context)
end

return models
