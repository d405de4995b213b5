--- `sbx.commands`: run shell commands in the sandbox (process.Process over envd).
---
--- ```lua
--- local r = sbx.commands:run("echo hi", { on_stdout = io.write })  -- r.stdout, r.exit_code
--- local h = sbx.commands:run("sleep 100", { background = true, timeout = 0 })
--- h:kill()
--- local ok, err = pcall(sbx.commands.run, sbx.commands, "exit 3")
--- -- err is a CommandExitError: err.exit_code == 3, err.stdout, err.stderr
--- ```
---
--- Two timeouts, never confused: `timeout` (seconds, default 60, 0 = none) bounds the command
--- itself — envd kills it when it elapses; `request_timeout` bounds each plain request.
---@class e2b.Commands
---@field private _envd e2b.EnvdClient
local Commands = {}
Commands.__index = Commands

local errors = require("e2b.errors")
local version = require("e2b.version")
-- Waits happen inside these pcalls: compat.pcall lets a task yield through them on PUC 5.1 too.
local pcall = require("e2b.compat").pcall
local options = require("e2b.options")
local envd = require("e2b.envd")
local json = require("e2b.json")
local stream = require("e2b.stream")
local map = require("e2b.envd.errors")
local connect = require("e2b.connect")
local background = require("e2b.background")
local core = require("e2b.native")   -- core.join: table.concat without its extra copy (peak 2x, not 3x)

local DEFAULT_TIMEOUT = 60

--- Bytes of stdout, and of stderr, a background handle (background `run`, `connect`, PTYs) keeps
--- for `wait()` and for the errors it raises: past it the oldest bytes are dropped and the result
--- (or error) says `truncated = true`. Callbacks see everything. It keeps as much again (data
--- bytes) of events for `events()` while nobody pulls: past it the oldest events are dropped,
--- counted in `handle.dropped_events`. A foreground `run` keeps all of its output (its caller is
--- reading it).
Commands.MAX_OUTPUT = 16 * 1024 * 1024

-- JSON numbers decode as floats on 5.3+; pids read better as integers (8391, not 8391.0).
local function int(v)
  v = tonumber(v)
  return v and math.tointeger and math.tointeger(v) or v
end

function Commands.__tostring(self)
  return "e2b.Commands(sandbox=" .. self._envd.sandbox_id .. ")"
end

--- Make the commands module of a sandbox.
---@param client e2b.EnvdClient
---@return e2b.Commands
function Commands.new(client)
  return setmetatable({ _envd = client }, Commands)
end

-- Split `s` into its complete UTF-8 prefix and an incomplete trailing sequence, so callbacks never
-- see half a character (a multi-byte character may be split across chunks).
local function utf8_split(s)
  local n = #s
  for i = n, math.max(1, n - 3), -1 do
    local b = s:byte(i)
    if b < 0x80 then return s, "" end
    if b >= 0xC0 then
      local need = b >= 0xF0 and 4 or b >= 0xE0 and 3 or 2
      if n - i + 1 < need then return s:sub(1, i - 1), s:sub(i) end
      return s, ""
    end
  end
  return s, ""
end
Commands._utf8_split = utf8_split

---@class e2b.CommandResult
---@field stdout string
---@field stderr string
---@field exit_code integer
---@field error string?   envd's error text for a failed command ("exit status 1", "signal: killed")
---@field truncated true? (background handles) the output was longer than Commands.MAX_OUTPUT: its oldest bytes are gone

---@class e2b.CommandEvent
---@field type "stdout"|"stderr"|"pty"|"exit"
---@field data string?        bytes of output (stdout/stderr/pty)
---@field exit_code integer?  for "exit"
---@field error string?       for "exit": envd's error text, e.g. "signal: killed"

---@class e2b.CommandHandle
---@field pid integer
---@field dropped_events integer  events `events()` will not see: dropped past the bound while nobody pulled
---@field private _stream e2b.RpcStream
local Handle = {}
Handle.__index = Handle

function Handle.__tostring(self)
  return ("e2b.CommandHandle(pid=%d)"):format(self.pid)
end

-- Kept output, as chunks buf[i..j]: all of it, or (bounded) the last Commands.MAX_OUTPUT bytes.
-- `keep(buf, bytes, bounded)` returns the buffer, made on the first byte kept (`buf` false until
-- then: a command without stderr never makes that one).
local function keep(buf, bytes, bounded)
  if not buf then buf = { i = 1, j = 0, n = 0, bounded = bounded } end
  local j = buf.j + 1
  buf[j], buf.j, buf.n = bytes, j, buf.n + #bytes
  local max = buf.bounded and Commands.MAX_OUTPUT
  if not max or buf.n <= max then return buf end
  buf.truncated = true
  while buf.n - #buf[buf.i] >= max do   -- whole chunks first
    buf.n = buf.n - #buf[buf.i]
    buf[buf.i] = nil
    buf.i = buf.i + 1
  end
  if buf.n > max then                   -- then the front of the oldest one left
    buf[buf.i] = buf[buf.i]:sub(buf.n - max + 1)
    buf.n = max
  end
  return buf
end

local function text(buf) return buf and core.join(buf, buf.i, buf.j) or "" end
local function truncated(self) return (self._out and self._out.truncated) or (self._err and self._err.truncated) or nil end

-- `o`: the call's options (on_stdout, on_stderr, on_pty, keep_output). Every field is set here,
-- so none is added later (no rehash per command; issue 12).
local function new_handle(commands, s, pid, o)
  return setmetatable({
    pid = pid, _commands = commands, _stream = s, dropped_events = 0,
    _out = false, _err = false, _keep = o.keep_output ~= false,
    _on_stdout = o.on_stdout or false, _on_stderr = o.on_stderr or false, _on_pty = o.on_pty or false,
    _carry_stdout = "", _carry_stderr = "",   -- an incomplete UTF-8 character held back from a callback
    _end = false, _finished = false, _result = false,
    -- (at most 16 fields: _failed, _queue, _disconnected, _bounded come only when they are needed)
  }, Handle)
end

-- A callback: in a background handle's delivery task an error is kept for its next
-- wait/events (e2b.background); in a foreground wait it ends the wait (the stream is closed).
function Handle:_call(cb, data)
  if not cb then return end
  if self._queue then return background.call(self, cb, data) end
  local ok, err = pcall(cb, data)
  if not ok then
    self._stream:close()
    error(err, 0)
  end
end

-- PTY bytes go to the callback raw and are not kept (an interactive shell may run for hours);
-- stdout/stderr are kept for the result (unless keep_output = false) and reach callbacks as
-- whole UTF-8 characters.
function Handle:_deliver(which, bytes)
  if which == "stdout" then
    if self._keep then self._out = keep(self._out, bytes, self._bounded) end
    if self._on_stdout then self:_pass("_carry_stdout", self._on_stdout, bytes) end
  elseif which == "stderr" then
    if self._keep then self._err = keep(self._err, bytes, self._bounded) end
    if self._on_stderr then self:_pass("_carry_stderr", self._on_stderr, bytes) end
  else
    self:_call(self._on_pty, bytes)
  end
end

-- Hand `cb` the whole UTF-8 characters of the held-back bytes (field `carry`) and `bytes`; the
-- incomplete tail is held back again (before the callback runs).
function Handle:_pass(carry, cb, bytes)
  local chars, rest = utf8_split(self[carry] .. bytes)
  self[carry] = rest
  if chars ~= "" then self:_call(cb, chars) end
end

function Handle:_flush()
  local out, err = self._carry_stdout, self._carry_stderr
  self._carry_stdout, self._carry_stderr = "", ""
  if out ~= "" and self._on_stdout then self:_call(self._on_stdout, out) end
  if err ~= "" and self._on_stderr then self:_call(self._on_stderr, err) end
end

-- Raise `err` with the output received so far on it, and remember it for later calls.
function Handle:_fail(err)
  if not errors.is(err) then
    err = errors.SandboxError:new("process stream failed: " .. tostring(err))
  end
  err.stdout = errors.redact(text(self._out))
  err.stderr = errors.redact(text(self._err))
  if truncated(self) then err.truncated = true end
  self._failed = err
  self._stream:close()
  error(err, 0)
end

-- Decode one stream message into an event (nil for keepalive and other content-free messages).
-- Output the core decoded (`msg.bytes`) is handled before this, without an event table.
local function decode_event(msg)
  local kind = msg.kind
  if kind then   -- a record decoded by the core (connect.process_codec)
    if msg.bytes then return { type = kind, data = msg.bytes } end
    if kind == "end" then return { type = "exit", exit_code = msg.exit_code, error = msg.error } end
    return nil   -- start (again)
  end
  local ev = type(msg) == "table" and type(msg.event) == "table" and msg.event or {}
  local d = ev.data
  if type(d) == "table" then
    for _, which in ipairs({ "stdout", "stderr", "pty" }) do
      if type(d[which]) == "string" then return { type = which, data = envd.b64decode(d[which]) } end
    end
  elseif type(ev["end"]) == "table" then
    local e = ev["end"]
    return { type = "exit", exit_code = int(e.exitCode or e.exit_code) or 0,
             error = type(e.error) == "string" and e.error or nil }
  end
  return nil   -- start (again), keepalive: nothing for us
end

--- The next event (stdout/stderr/pty data in arrival order, then one "exit"), or nil at the end.
--- Output callbacks are called as events pass. Failures raise with the partial output on the
--- error (`err.stdout`, `err.stderr`). `quiet`: a foreground wait, which only needs the output
--- delivered: true instead of an event table for output (issue 12).
---@param quiet boolean?
---@return e2b.CommandEvent|true|nil
function Handle:_step(quiet)
  if self._failed then error(self._failed, 0) end
  local s = self._stream
  while true do
    if self._finished then return nil end
    local ok, msg = pcall(s.next, s)
    if not ok then
      -- the result is already known, or disconnect closed the stream under a waiting read
      if self._end or self._disconnected then self._finished = true return nil end
      self:_fail(msg)   -- the stream's deadline already reads as deadline_exceeded (e2b.stream)
    end
    if msg == nil then
      self._finished = true
      self:_flush()
      if self._disconnected or self._end then return nil end
      self:_fail(errors.SandboxError:new("Process exited without a result"))
    end
    local bytes = msg.bytes
    if bytes then   -- output the core decoded (the common case: no JSON, no event table)
      local kind = msg.kind
      self:_deliver(kind, bytes)
      if quiet then return true end
      return { type = kind, data = bytes }
    end
    local ok2, ev = pcall(decode_event, msg)
    if not ok2 then self:_fail(ev) end
    if ev then
      if ev.type == "exit" then
        self:_flush()
        -- a kill at or after the deadline is the timeout (envd kills the process when it ends)
        if ev.exit_code == -1 and s:past_deadline() then self:_fail(stream.deadline_error()) end
        self._end = ev
      else
        self:_deliver(ev.type, ev.data)
      end
      return ev
    end
  end
end

-- A background handle's delivery task (e2b.background): read every event as it arrives, run
-- the callbacks, queue the event for events(). Ends with the stream (failure kept on _failed).
local function pump(self)
  while not self._disconnected do
    local ok, ev = pcall(self._step, self)
    if not ok or ev == nil then break end
    self._queue:push(ev, ev.data and #ev.data or 1)
    self.dropped_events = self._queue.dropped
  end
  self._queue:close()
end

-- The next event for the pull iterator: read it (foreground) or take it from the queue the
-- delivery task fills (background). A callback's error raises here first.
function Handle:_next_event()
  if not self._queue then
    background.rethrow(self)
    return self:_step()
  end
  return background.next(self, self.disconnect)
end

--- Pull iterator over the process's events, in order:
--- `{type = "stdout"|"stderr"|"pty", data = bytes}`, then `{type = "exit", exit_code, error}`.
--- Each event is seen once. Raises like `wait` (with the partial output on the error), and
--- raises first what a callback of this handle raised (once). `wait()` still works afterwards.
---
--- ```lua
--- for ev in h:events() do if ev.type == "stdout" then io.write(ev.data) end end
--- ```
---@return fun(): e2b.CommandEvent?
function Handle:events()
  return function() return self:_next_event() end
end

---@class e2b.WaitOpts
---@field on_stdout fun(data: string)?
---@field on_stderr fun(data: string)?
---@field on_pty fun(data: string)?

local WAIT = options.declare("CommandHandle:wait", { { "on_stdout", "callable" }, { "on_stderr", "callable" },
  { "on_pty", "callable" } })

-- A result as the caller gets it: itself, or CommandExitError for a non-zero exit.
local function finish(r)
  if r.exit_code ~= 0 then
    errors.CommandExitError:raise(("Command exited with code %d and error:\n%s"):format(r.exit_code, r.stderr),
      { stdout = r.stdout, stderr = r.stderr, exit_code = r.exit_code, error = r.error, truncated = r.truncated })
  end
  return r
end

-- The result, read to the end once; raises CommandExitError on a non-zero exit. Foreground run
-- returns it as it is (nobody else holds it); wait() hands out copies.
local function result(self)
  if not self._result then
    background.rethrow(self)
    if self._disconnected then
      errors.SandboxError:raise("CommandHandle:wait: the handle was disconnected; use commands:connect(pid)")
    end
    if self._queue then
      local ok, err = pcall(background.finish, self)
      if not ok then self:disconnect() error(err, 0) end   -- a canceled wait closes the stream
      self._queue:clear()   -- wait() consumes the events, as a foreground read would
      background.rethrow(self)
      if self._failed then error(self._failed, 0) end
    else
      while self:_step(true) do end
    end
    if not self._end then errors.SandboxError:raise("CommandHandle:wait: the handle was disconnected; use commands:connect(pid)") end
    self._result = {
      stdout = text(self._out), stderr = text(self._err),
      exit_code = self._end.exit_code, error = self._end.error,
      truncated = truncated(self),
    }
  end
  return finish(self._result)
end

--- Wait for the command to finish. Returns the result; raises CommandExitError on a non-zero
--- exit, or the mapped stream error (TimeoutError when `timeout` elapsed, …) carrying the
--- output received so far. On a background handle it first raises (once) what one of its
--- callbacks raised meanwhile; call `wait()` again for the result. Callbacks given here replace
--- the handle's for the output still to come. Events not pulled by `events()` yet are consumed.
---@param opts e2b.WaitOpts?
---@return e2b.CommandResult
function Handle:wait(opts)
  if opts ~= nil then
    local o = WAIT:check(opts)
    if o.on_stdout then self._on_stdout = o.on_stdout end
    if o.on_stderr then self._on_stderr = o.on_stderr end
    if o.on_pty then self._on_pty = o.on_pty end
  end
  local r = result(self)
  -- a copy: what a caller does to its result never reaches the next wait()'s
  return { stdout = r.stdout, stderr = r.stderr, exit_code = r.exit_code, error = r.error, truncated = r.truncated }
end

--- Kill the process (SIGKILL). True when it was found.
---@return boolean
function Handle:kill()
  return self._commands:kill(self.pid)
end

--- Stop receiving output: no callback runs after this, and the stream is closed; the process
--- keeps running (reattach with commands:connect(pid)). Events already queued stay for events().
function Handle:disconnect()
  self._disconnected = true
  self._stream:close()
  if self._queue then
    self._queue:close()
    background.stop(self)
  end
end

--- Send data to the process's stdin (start it with `stdin = true`).
---@param data string
function Handle:send_stdin(data)
  return self._commands:send_stdin(self.pid, data)
end

--- Close the process's stdin (EOF).
function Handle:close_stdin()
  return self._commands:close_stdin(self.pid)
end

local function start_event(msg)
  if msg.kind then return msg.kind == "start" and msg or nil end   -- a record: { kind, pid }
  local start = type(msg.event) == "table" and msg.event.start
  return type(start) == "table" and start or nil
end

local function open_error(err)
  if errors.is(err, errors.ServiceBusyError) then return err end   -- a 503: busy, not gone
  if errors.is(err) and err.code == "unavailable" and not err.paused then
    return errors.SandboxNotFoundError:new("Sandbox is probably not running anymore", { code = "unavailable" })
  end
  return err
end

local START = { start = start_event, open_error = open_error, start_error = "Failed to start process: expected start event" }

--- Open a Start/Connect stream (e2b.stream: its first message must be the `start` event).
--- `o`: user, timeout (stream, default 60), request_timeout (handshake), on_stdout/on_stderr/on_pty.
--- Shared with pty.lua. `commands` is what the handle's kill/send_stdin go through. With
--- `deliver`, a delivery task (e2b.background) drains the stream whenever the SDK waits.
---@return e2b.CommandHandle
function Commands.open_handle(client, commands, method, req, o, deliver)
  local timeout = o.timeout == nil and DEFAULT_TIMEOUT or o.timeout
  -- `o` as it is: client:stream reads its user, timeout (nil = 60) and request_timeout
  local source = client:stream(method, req, o, true)
  local s = stream.open(source, START, timeout)
  local h = new_handle(commands, s, int(s.start.pid) or 0, o)
  if deliver then
    h._bounded = true   -- before any output: the stream is read only from here on
    h._queue = background.queue(Commands.MAX_OUTPUT)
    background.start(h, pump)
  end
  return h
end

local function open(self, method, req, o, deliver)
  return Commands.open_handle(self._envd, self, method, req, o, deliver)
end

local RUN = options.declare("commands:run", {
  { "background", "boolean" }, { "envs", "string_map" }, { "cwd", "path" }, { "user", "string" },
  { "timeout", "seconds", DEFAULT_TIMEOUT }, { "request_timeout", "seconds" }, { "on_stdout", "callable" },
  { "on_stderr", "callable" }, { "stdin", "boolean" }, { "tag", "string" }, { "keep_output", "boolean" },
})

-- The Start request's JSON text from constant pieces around the encoded values (issue 12: no
-- request table for the encoder to walk): {"process":{"cmd":"/bin/bash","args":["-l","-c",CMD],
-- "envs":{…},"cwd":…},"stdin":…,"tag":…}; envs only when not empty.
local function start_body(cmd, o)
  local enc = json.encode
  local envs = o.envs and next(o.envs) and ',"envs":' .. enc(o.envs) or ""
  local cwd = o.cwd and ',"cwd":' .. enc(o.cwd) or ""
  local tag = o.tag and ',"tag":' .. enc(o.tag) or ""
  return '{"process":{"cmd":"/bin/bash","args":["-l","-c",' .. enc(cmd) .. "]" .. envs .. cwd .. "}," ..
    (o.stdin == true and '"stdin":true' or '"stdin":false') .. tag .. "}"
end
Commands._start_body = start_body

---@class e2b.RunOpts
---@field background boolean?      return a handle right after start instead of waiting
---@field envs table<string,string>?
---@field cwd string?
---@field user string?             e.g. "root"; default: the sandbox's default user
---@field timeout number?          seconds the command may run (default 60, 0 = no limit)
---@field request_timeout number?  seconds
---@field on_stdout fun(data: string)?  called as output arrives
---@field on_stderr fun(data: string)?
---@field stdin boolean?           keep stdin open for send_stdin (default false)
---@field tag string?              a name to find the process by (commands:connect({tag = …}))
---@field keep_output boolean?     false: keep no output (result and error stdout/stderr are ""), memory stays flat for callers that only stream; default true (the official SDKs always keep it)

local NO_OPTS = RUN:check(nil)   -- read, never written: run without options skips the copy

-- The fast path's kept output: its one chunk as a string (a command's usual output: no buffer
-- table, no join), a buffer as keep() makes (see keep) from the second chunk on.
local function keep_fast(buf, bytes)
  if not buf then return bytes end
  if type(buf) == "string" then buf = keep(false, buf) end
  return keep(buf, bytes)
end
local function as_buffer(buf) return type(buf) == "string" and keep(false, buf) or buf end
local function text_fast(buf) return type(buf) == "string" and buf or text(buf) end

-- The foreground run's fast path (issue 12). A command run to its end without callbacks reads
-- the transport stream itself while its messages are the usual ones — the start, output the
-- core decoded, keepalives, the end event, then the clean end of the stream — keeping the
-- output as a handle would. At anything else (a raised error, any other message, an end that
-- carries an error, a kill at the deadline) it hands that back to the stream (raw:push_back)
-- and builds the general reader over the same stream at that point — envd's RPC stream,
-- e2b.stream with the same deadline, a handle holding the output so far — which then does
-- exactly what it would have done had it read the stream from the start. It asks for folded
-- takes (Stream:fold): a take of only the usual messages is one record; where one of them would
-- make it hand over, it gives those back as the records they were (connect.unfold).
local function handover(self, raw, o, timeout, deadline, pid, out, err, ended)
  out, err = as_buffer(out), as_buffer(err)
  raw:fold(false)   -- the general reader reads message by message
  local source = self._envd:wrap_stream(raw, o)
  local s
  if pid == nil then
    s = stream.open(source, START, timeout, deadline)   -- the start (or its failure) is still to come
    pid = int(s.start.pid) or 0
  else
    s = stream.open(source, nil, timeout, deadline)
    s.start = { pid = pid }
  end
  local h = new_handle(self, s, pid, o)
  h._out, h._err, h._end = out, err, ended
  return result(h)
end

local function run_fast(self, body, o)
  local timeout = o.timeout
  local raw = self._envd:open_stream("process.Process/Start", body, o, true)
  local deadline = timeout > 0 and core.now_ms() + timeout * 1000 or nil
  local pid, out, err, ended = nil, false, false, false
  local kept = o.keep_output ~= false
  raw:fold(true)   -- no callbacks: each take's usual messages come as one record
  while true do
    local ok, m, info = pcall(raw.next, raw)
    if not ok or (m == nil and not (ended and map.stream_end_error(info) == nil)) then
      raw:push_back(ok, m, info)
      return handover(self, raw, o, timeout, deadline, pid, out, err, ended)
    end
    if m == nil then break end   -- the clean end, after the end event
    local bytes = m.bytes
    local usual
    if m.kind == "folded" then
      -- what its messages would do one by one; where one would hand over, those from there on
      -- go back to the stream as the records they were (connect.unfold)
      if pid == nil and m.pid == nil then   -- output or an end before the start
        raw:unread(connect.unfold(m))
        return handover(self, raw, o, timeout, deadline, pid, out, err, ended)
      end
      pid = pid or m.pid   -- (a start again: nothing for us)
      if kept then
        if m.stdout then out = keep_fast(out, m.stdout) end
        if m.stderr then err = keep_fast(err, m.stderr) end
      end
      if m.ended then
        if ended or (m.exit_code == -1 and deadline and core.now_ms() >= deadline) then
          raw:unread(connect.unfold(m, true))
          return handover(self, raw, o, timeout, deadline, pid, out, err, ended)
        end
        ended = m   -- the end event's exit_code and error, as decode_event gives them
      end
      usual = true
    elseif pid == nil then
      local st = start_event(m)
      if st then pid, usual = int(st.pid) or 0, true end
    elseif bytes then
      local kind = m.kind
      if kind == "stdout" then
        if kept then out = keep_fast(out, bytes) end
        usual = true
      elseif kind == "stderr" then
        if kept then err = keep_fast(err, bytes) end
        usual = true
      end
    else
      local ok2, ev = pcall(decode_event, m)
      if ok2 and ev == nil then usual = true   -- keepalive, a repeated start: nothing for us
      elseif ok2 and ev.type == "exit" and not ended
        and not (ev.exit_code == -1 and deadline and core.now_ms() >= deadline) then
        ended, usual = ev, true
      end
    end
    if not usual then
      raw:push_back(true, m)
      return handover(self, raw, o, timeout, deadline, pid, out, err, ended)
    end
  end
  return finish({ stdout = text_fast(out), stderr = text_fast(err), exit_code = ended.exit_code, error = ended.error })
end

--- Run `cmd` with `/bin/bash -l -c`. Foreground: returns the result (raises CommandExitError on a
--- non-zero exit). With `background = true`: returns a CommandHandle.
---@param cmd string
---@param opts e2b.RunOpts?
---@return e2b.CommandResult|e2b.CommandHandle
function Commands:run(cmd, opts)
  RUN:arg("cmd", cmd, "text")
  local o = opts == nil and NO_OPTS or RUN:check(opts)
  if not (o.background or o.on_stdout or o.on_stderr) then
    return run_fast(self, start_body(cmd, o), o)
  end
  local h = open(self, "process.Process/Start", start_body(cmd, o), o, o.background)
  if o.background then return h end
  return result(h)
end

-- The ProcessSelector for a pid or `{ tag = "…" }`.
local function selector(fname, which)
  if type(which) == "table" then
    local o = options.check(fname, which, { tag = "string" })
    if o.tag == nil then errors.InvalidArgumentError:raise(fname .. ": argument 'pid' must be integer or { tag = string }") end
    return { tag = o.tag }
  end
  options.pid(fname, which)
  return { pid = which }
end
Commands._selector = selector

local CONNECT = options.declare("commands:connect", { { "timeout", "seconds", DEFAULT_TIMEOUT },
  { "request_timeout", "seconds" }, { "on_stdout", "callable" }, { "on_stderr", "callable" },
  { "keep_output", "boolean" } })

--- Attach to a running process (its output from now on), by pid or `{ tag = "…" }`.
--- Returns a CommandHandle. `timeout` bounds the new stream (default 60, 0 = none).
---@param pid integer|{ tag: string }
---@param opts { timeout: number?, request_timeout: number?, on_stdout: function?, on_stderr: function?, keep_output: boolean? }?
---@return e2b.CommandHandle
function Commands:connect(pid, opts)
  local sel = selector(CONNECT.name, pid)
  local o = CONNECT:check(opts)
  return open(self, "process.Process/Connect", { process = sel }, o, true)
end

---@class e2b.ProcessInfo
---@field pid integer
---@field tag string?
---@field cmd string
---@field args string[]
---@field envs table<string,string>
---@field cwd string?

-- The calls that take nothing but a request timeout.
local PLAIN = { { "request_timeout", "seconds" } }
local LIST = options.declare("commands:list", PLAIN)
local KILL = options.declare("commands:kill", PLAIN)
local CLOSE_STDIN = options.declare("commands:close_stdin", PLAIN)
local SEND_STDIN = options.declare("commands:send_stdin", PLAIN)
Commands.PLAIN = PLAIN

--- Running processes of the sandbox.
---@param opts { request_timeout: number? }?
---@return e2b.ProcessInfo[]
function Commands:list(opts)
  local o = LIST:check(opts)
  local res = self._envd:unary("process.Process/List", {}, { request_timeout = o.request_timeout })
  local out = {}
  for _, p in ipairs(res.processes or {}) do
    local c = p.config or {}
    out[#out + 1] = { pid = int(p.pid), tag = p.tag, cmd = c.cmd, args = c.args or {},
                      envs = c.envs or {}, cwd = c.cwd }
  end
  return out
end

--- Kill a process (SIGKILL). False when no such process.
---@param pid integer
---@param opts { request_timeout: number? }?
---@return boolean
function Commands:kill(pid, opts)
  KILL:pid(pid)
  local o = KILL:check(opts)
  local ok, err = pcall(self._envd.unary, self._envd, "process.Process/SendSignal",
    { process = { pid = pid }, signal = "SIGNAL_SIGKILL" }, { request_timeout = o.request_timeout })
  if ok then return true end
  if errors.is(err) and err.code == "not_found" then return false end
  error(err, 0)
end

--- Write to a process's stdin.
---@param pid integer
---@param data string
---@param opts { request_timeout: number? }?
function Commands:send_stdin(pid, data, opts)
  Commands.send_input(self._envd, SEND_STDIN, pid, "stdin", data, opts)
end

--- SendInput for commands and PTYs: `data` to process `pid`'s `which` ("stdin" or "pty").
---@param client table   the sandbox's envd client
---@param call e2b.options.Decl  the public call's declaration (options.declare(name, Commands.PLAIN))
---@param pid integer
---@param which "stdin"|"pty"
---@param data string
---@param opts { request_timeout: number? }?
function Commands.send_input(client, call, pid, which, data, opts)
  call:pid(pid)
  call:arg("data", data, "string")
  local o = call:check(opts)
  local ok, err = pcall(client.unary, client, "process.Process/SendInput",
    { process = { pid = pid }, input = { [which] = envd.b64encode(data) } }, { request_timeout = o.request_timeout })
  if ok then return end
  -- the first thing a new user trips over: say what is missing
  if which == "stdin" and errors.is(err) and err.message:find("stdin not enabled", 1, true) then
    err.message = err.message .. " (start the command with stdin = true to send it input)"
  end
  error(err, 0)
end

--- Close a process's stdin (EOF). Needs envd >= 0.5.2.
---@param pid integer
---@param opts { request_timeout: number? }?
function Commands:close_stdin(pid, opts)
  CLOSE_STDIN:pid(pid)
  local o = CLOSE_STDIN:check(opts)
  if version.compare(self._envd.envd_version, "0.5.2") < 0 then
    errors.SandboxError:raise("Closing stdin is not supported by this sandbox's envd (" ..
      self._envd.envd_version .. "); rebuild the template")
  end
  self._envd:unary("process.Process/CloseStdin", { process = { pid = pid } }, { request_timeout = o.request_timeout })
end

Commands.Handle = Handle
return Commands
