--- `require("e2b.code_interpreter")`: E2B's Code Interpreter — stateful code cells (Python,
--- JavaScript, bash …) on Jupyter kernels in a sandbox, with values, prints, errors and charts back
--- as structured results, streamed while the cell runs. Names follow the official Python SDK.
---
--- ```lua
--- local ci = require("e2b.code_interpreter")
--- local sbx <close> = ci.Sandbox.create()          -- template "code-interpreter-v1"
--- sbx:run_code("x = 41")
--- local ex = sbx:run_code("x + 1", { on_stdout = function(m) io.write(m.line) end })
--- print(ex.text)                                    --> 42
--- local ctx = sbx:create_code_context({ language = "python", cwd = "/tmp" })
--- sbx:run_code("import os; os.getcwd()", { context = ctx }).text   --> /tmp
--- ```
---
--- `ci.Sandbox` is a full `e2b.Sandbox` (commands, files, git, pty, pause, kill …) plus the methods
--- below. The kernels' server listens on port 49999 in the sandbox; requests go to
--- `https://49999-<id>.<domain>` (or `E2B_SANDBOX_URL` / `sandbox_url` with routing headers).
---@class e2b.code_interpreter
local ci = {}

local errors = require("e2b.errors")
-- Waits happen inside these pcalls: compat.pcall lets a task yield through them on PUC 5.1 too.
local pcall = require("e2b.compat").pcall
local options = require("e2b.options")
local config = require("e2b.config")
local core = require("e2b.native")   -- the clock only
local json = require("e2b.json")
local transport = require("e2b.transport")
local stream = require("e2b.stream")
local envd_errors = require("e2b.envd.errors")
local BaseSandbox = require("e2b.sandbox")
local models = require("e2b.code_interpreter.models")

ci.models = models
ci.Result = models.Result
ci.Execution = models.Execution
ci.ExecutionError = models.ExecutionError
ci.Context = models.Context

ci.JUPYTER_PORT = 49999
ci.DEFAULT_TEMPLATE = "code-interpreter-v1"
--- Default `timeout` of run_code, seconds (the Python SDK's).
ci.DEFAULT_TIMEOUT = 300

---@class e2b.code_interpreter.Sandbox: e2b.Sandbox
local Sandbox = BaseSandbox.extend("e2b.code_interpreter.Sandbox")
Sandbox.DEFAULT_TEMPLATE = ci.DEFAULT_TEMPLATE
ci.Sandbox = Sandbox

local function is_ci(v) return getmetatable(v) == Sandbox end

local function method_check(fname, self)
  if not is_ci(self) then
    errors.InvalidArgumentError:raise(fname .. ": call it as a method on a code_interpreter Sandbox (sbx:" ..
      fname:match("[:.]([%w_]+)$") .. "(…))")
  end
end

local function copy(fname, opts)
  if opts ~= nil and type(opts) ~= "table" then
    errors.InvalidArgumentError:raise(("%s: options must be a table, got %s"):format(fname, type(opts)))
  end
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  return o
end

--- Create a code-interpreter sandbox: the options of `e2b.Sandbox.create`, with `template`
--- defaulting to "code-interpreter-v1".
---@param opts e2b.CreateOpts?
---@return e2b.code_interpreter.Sandbox
function Sandbox.create(opts)
  local o = copy("code_interpreter.Sandbox.create", opts)
  if o.template == nil then o.template = Sandbox.DEFAULT_TEMPLATE end
  return Sandbox.wrap(BaseSandbox.create(o))
end

--- Connect to (or resume) a code-interpreter sandbox: `ci.Sandbox.connect(id, opts)` or
--- `sbx:connect(opts)`, as `e2b.Sandbox.connect`.
---@param self_or_id e2b.code_interpreter.Sandbox|string
---@param opts (e2b.ConnectionOpts|{timeout: number?})?
---@return e2b.code_interpreter.Sandbox
function Sandbox.connect(self_or_id, opts)
  if is_ci(self_or_id) then return BaseSandbox.connect(self_or_id, opts) end
  return Sandbox.wrap(BaseSandbox.connect(self_or_id, opts))
end

---------------------------------------------------------------------------------------------------
-- addressing (the official SDKs': sandbox_url verbatim, else http(s)://<get_host(49999)>)

local function base_url(self)
  local cfg = self._cfg
  if cfg.sandbox_url then return cfg.sandbox_url end
  return (cfg.debug and "http://" or "https://") ..
    config.host(cfg, self.sandbox_id, self.sandbox_domain, ci.JUPYTER_PORT)
end

-- Routing headers on every request; the envd access token only on /execute (the server hands it
-- to envd to read the sandbox's environment).
local function headers(self, with_access_token)
  local h = {
    ["User-Agent"] = config.USER_AGENT,
    ["Content-Type"] = "application/json",
    ["E2b-Sandbox-Id"] = self.sandbox_id,
    ["E2b-Sandbox-Port"] = tostring(ci.JUPYTER_PORT),
  }
  if self.traffic_access_token then
    if self._traffic_owner ~= self._envd then   -- once per envd client: it lives as long
      errors.add_secret(self.traffic_access_token, self._envd)
      self._traffic_owner = self._envd
    end
    h["E2B-Traffic-Access-Token"] = self.traffic_access_token
  end
  local token = self._envd and self._envd.access_token
  if with_access_token and token then h["X-Access-Token"] = token end
  return h
end

---------------------------------------------------------------------------------------------------
-- errors (the official SDKs' mapping)

local REQUEST_TIMEOUT = "Request timed out — the 'request_timeout' option can be used to increase this timeout"
local EXECUTION_TIMEOUT = "Execution timed out — the 'timeout' option can be used to increase this timeout " ..
  "(seconds, 0 = none)"
local KILLED = "The sandbox was killed while the request was in progress. This can happen when the sandbox " ..
  "times out or is killed manually. You can modify the sandbox timeout by passing 'timeout' when creating " ..
  "the sandbox or calling ':set_timeout' on it."

--- The error for a non-2xx answer of the code-interpreter server: 502 → TimeoutError (the
--- sandbox is gone or timed out), 404 → NotFoundError (e.g. "Context <id> not found"), anything
--- else SandboxError "<status>: <body>".
---@param status integer
---@param body string?
---@return e2b.Error
function ci.http_error(status, body)
  body = body or ""
  if status == 502 or status == 404 then return envd_errors.http_error({ status = status, body = body }) end
  local msg = body ~= "" and body or ("HTTP " .. status)
  return errors.SandboxError:new(status .. ": " .. msg, { status = status })
end

-- A transport failure: a timeout is the request's or the execution's; a dropped connection to a
-- sandbox that no longer answers is the "sandbox was killed" TimeoutError.
local function failure(self, err, execution_timeout)
  if not errors.is(err) then return err end
  if err.kind == "timeout" then
    return errors.TimeoutError:new(execution_timeout and EXECUTION_TIMEOUT or REQUEST_TIMEOUT,
      { kind = "timeout" })
  end
  if err.kind == "dropped" or err.kind == "protocol" then
    if self._envd:health(5) == false then
      local paused = self._envd:explain(err)   -- paused, not killed: say so (as files/commands do)
      if paused ~= err then return paused end
      return errors.TimeoutError:new(KILLED, { kind = "dropped" })
    end
  end
  return self._envd:explain(err)
end

---------------------------------------------------------------------------------------------------
-- plain requests (/contexts)

local function call(self, decl, method, path, body, cfg)
  local T = transport.shared(cfg)
  local ok, res = pcall(T.request, T, { method = method, url = base_url(self) .. path,
    headers = headers(self, false), body = body and json.encode(body) or nil, timeout = cfg.request_timeout })
  if not ok then error(failure(self, res, false), 0) end
  if res.status < 200 or res.status >= 300 then error(self._envd:explain(ci.http_error(res.status, res.body)), 0) end
  local data = json.try_decode(res.body or "")
  if data == nil and res.body ~= nil and res.body:find("%S") then
    errors.SandboxError:raise(decl.name .. ": the code interpreter sent an invalid JSON answer", { status = res.status })
  end
  return data
end

-- The id of a Context, or the id given as a string.
local function context_id(decl, argname, ctx)
  if type(ctx) == "string" then
    if ctx == "" then decl:fail("'" .. argname .. "' must not be empty") end
    return ctx
  end
  if type(ctx) == "table" and type(ctx.id) == "string" and ctx.id ~= "" then return ctx.id end
  decl:fail(("'%s' must be a Context (with a string id) or a context id, got %s"):format(argname, type(ctx)))
end

local CREATE_CONTEXT = config.declare("Sandbox:create_code_context", {
  { "cwd", "path" }, { "language", "string" } })
local LIST_CONTEXTS = config.declare("Sandbox:list_code_contexts")
local RESTART_CONTEXT = config.declare("Sandbox:restart_code_context")
local REMOVE_CONTEXT = config.declare("Sandbox:remove_code_context")

---@class e2b.code_interpreter.CreateContextOpts
---@field cwd string?              working directory of the kernel (server default /home/user)
---@field language string?         "python" (default), "javascript", "typescript", "bash", "r" …
---@field request_timeout number?  seconds, 0 = none

--- Create a new code context (its own kernel: its own variables, imports and working directory).
---@param opts e2b.code_interpreter.CreateContextOpts?
---@return e2b.code_interpreter.Context
function Sandbox:create_code_context(opts)
  method_check("Sandbox:create_code_context", self)
  local o, cfg = config.call(CREATE_CONTEXT, opts, self._cfg)
  local body = { language = o.language, cwd = o.cwd }
  return models.Context.from_json(call(self, CREATE_CONTEXT, "POST", "/contexts", body, cfg))
end

--- Every code context of the sandbox (the default python and javascript ones included).
---@param opts { request_timeout: number? }?
---@return e2b.code_interpreter.Context[]
function Sandbox:list_code_contexts(opts)
  method_check("Sandbox:list_code_contexts", self)
  local _, cfg = config.call(LIST_CONTEXTS, opts, self._cfg)
  local data = call(self, LIST_CONTEXTS, "GET", "/contexts", nil, cfg)
  if type(data) ~= "table" then
    errors.SandboxError:raise("Sandbox:list_code_contexts: the code interpreter sent no list")
  end
  local out = {}
  for i, c in ipairs(data) do out[i] = models.Context.from_json(c) end
  return out
end

--- Restart a context's kernel: its state is gone, its id stays. `ctx` is a Context or its id.
--- An unknown context raises NotFoundError.
---@param ctx e2b.code_interpreter.Context|string
---@param opts { request_timeout: number? }?
function Sandbox:restart_code_context(ctx, opts)
  method_check("Sandbox:restart_code_context", self)
  local id = context_id(RESTART_CONTEXT, "context", ctx)
  local _, cfg = config.call(RESTART_CONTEXT, opts, self._cfg)
  call(self, RESTART_CONTEXT, "POST", "/contexts/" .. config.escape(id) .. "/restart", nil, cfg)
end

--- Remove a context and stop its kernel. `ctx` is a Context or its id. An unknown context raises
--- NotFoundError.
---@param ctx e2b.code_interpreter.Context|string
---@param opts { request_timeout: number? }?
function Sandbox:remove_code_context(ctx, opts)
  method_check("Sandbox:remove_code_context", self)
  local id = context_id(REMOVE_CONTEXT, "context", ctx)
  local _, cfg = config.call(REMOVE_CONTEXT, opts, self._cfg)
  call(self, REMOVE_CONTEXT, "DELETE", "/contexts/" .. config.escape(id), nil, cfg)
end

---------------------------------------------------------------------------------------------------
-- run_code

local RUN = config.declare("Sandbox:run_code", {
  { "language", "string" }, { "context", { "table", "string" } }, { "envs", "string_map" },
  { "timeout", "seconds", ci.DEFAULT_TIMEOUT }, { "on_stdout", "callable" }, { "on_stderr", "callable" },
  { "on_result", "callable" }, { "on_error", "callable" },
})

-- The /execute answer as a stream source (e2b.stream): one decoded event per NDJSON line, split
-- by the C core as the lines arrive (transport.lines). A non-2xx answer raises its mapped error.
local Events = {}
Events.__index = Events

--- The next event (a decoded line; empty lines skipped), or nil at the end of the answer.
---@return table?
function Events:next()
  while true do
    local line, info = self.lines:next()
    if line == nil then
      if info and info.http_status then error(ci.http_error(info.http_status, info.body), 0) end
      return nil
    end
    self.began = true
    local ev = models.decode(line)
    if ev ~= nil then return ev end
  end
end

--- Close the answer (the server interrupts a cell still running).
function Events:close() self.lines:close() end

---@class e2b.code_interpreter.RunCodeOpts
---@field language string?          run in this language's default context ("python" when neither
---                                 language nor context is given); not together with `context`
---@field context (e2b.code_interpreter.Context|string)?  run in this context (or context id)
---@field envs table<string,string>? environment variables for this cell only
---@field timeout number?           seconds the cell may run (default 300, 0 = none); past it the
---                                 request is closed, which interrupts the cell, and TimeoutError
---                                 is raised
---@field request_timeout number?   seconds to wait for the server's answer to begin (default the
---                                 connection's request_timeout, 60)
---@field on_stdout (fun(msg: e2b.code_interpreter.OutputMessage))?  each stdout message as it arrives
---@field on_stderr (fun(msg: e2b.code_interpreter.OutputMessage))?  each stderr message as it arrives
---@field on_result (fun(result: e2b.code_interpreter.Result))?      each result as it arrives
---@field on_error (fun(err: e2b.code_interpreter.ExecutionError))?  the cell's error, when it raises

--- Run `code` in a context (the default Python one unless `language` or `context` says otherwise)
--- and return its Execution. State persists per context across calls. An error in the code is
--- `execution.error`, not raised; what raises is the SDK's: InvalidArgumentError (bad arguments,
--- before any request), TimeoutError (past `timeout` — the cell is interrupted and the context
--- stays usable —, past `request_timeout`, a 502, or the sandbox killed meanwhile), NotFoundError
--- (unknown context), SandboxError. Callbacks run as each line of the answer arrives and may
--- yield inside `e2b.async` tasks; cancelling such a task interrupts the cell.
---@param code string
---@param opts e2b.code_interpreter.RunCodeOpts?
---@return e2b.code_interpreter.Execution
function Sandbox:run_code(code, opts)
  method_check("Sandbox:run_code", self)
  RUN:arg("code", code, "text")
  local o, cfg = config.call(RUN, opts, self._cfg)
  if o.language ~= nil and o.context ~= nil then
    RUN:fail("You can provide context or language, but not both at the same time.")
  end
  local ctx_id = o.context ~= nil and context_id(RUN, "context", o.context) or nil
  local timeout = o.timeout

  local T = transport.shared(cfg)
  local t0 = core.now_ms()
  local src = setmetatable({
    lines = T:stream({
      method = "POST", url = base_url(self) .. "/execute", headers = headers(self, true),
      body = json.encode({ code = code, context_id = ctx_id, language = o.language, env_vars = o.envs }),
      timeout = cfg.request_timeout,     -- until the answer's first line
      stream_timeout = timeout,          -- the whole execution
    }, transport.lines),
  }, Events)
  local s = stream.open(src, { timeout = timeout })
  local ex = models.Execution.new()
  local handlers = { on_stdout = o.on_stdout, on_stderr = o.on_stderr, on_result = o.on_result,
                     on_error = o.on_error }
  local finished = false
  while true do
    local ok, ev = pcall(s.next, s)
    if not ok then
      if errors.is(ev) and ev.code == "deadline_exceeded" then
        ev = errors.TimeoutError:new("", { kind = "timeout" })
      end
      -- before the first line a timeout is the request's, unless the execution's limit ran out
      local by_execution = src.began or (timeout > 0 and core.now_ms() - t0 >= timeout * 1000 - 20)
      error(failure(self, ev, by_execution), 0)
    end
    if ev == nil then break end
    -- a callback's error (or a task cancelled inside it) closes the request: that interrupts the cell
    local ok2, fin = pcall(models.apply, ex, ev, handlers)
    if not ok2 then
      s:close()
      error(fin, 0)
    end
    if fin then finished = true end
  end
  if not finished then
    if self._envd:health(5) == false then errors.TimeoutError:raise(KILLED, { kind = "dropped" }) end
    errors.SandboxError:raise("Sandbox:run_code: the execution's answer ended before its end_of_execution event",
      { kind = "protocol" })
  end
  return ex
end

return ci
