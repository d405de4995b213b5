--- Directory watching (filesystem.Filesystem/WatchDir, a server stream): the handle returned by
--- `sbx.files:watch_dir`. Its delivery task (e2b.background) reads events whenever the SDK waits
--- for anything (any call, an e2b.async turn, a host-loop turn under an adapter, `e2b.poll()`) and
--- passes each to `on_event` then; they are also queued, once each, for `for ev in h:events()`
--- (at most Watch.MAX_QUEUED while nobody pulls: the oldest are dropped, counted in `h.dropped`).
--- An error raised by `on_event` is raised by the next `events()`/`next()`/`wait()` (once).
---
--- ```lua
--- local h = sbx.files:watch_dir("/home/user", function(ev) print(ev.type, ev.name) end, { timeout = 30 })
--- sbx.files:write("/home/user/a.txt", "x")
--- for ev in h:events() do if ev.type == "write" then h:stop() end end
--- ```
---@class e2b.WatchHandle
---@field dropped integer   events dropped past Watch.MAX_QUEUED while nobody pulled
---@field private _stream e2b.RpcStream
local Watch = {}
Watch.__index = Watch

-- Waits happen inside these pcalls: compat.pcall lets a task yield through them on PUC 5.1 too.
local pcall = require("e2b.compat").pcall
local stream = require("e2b.stream")
local background = require("e2b.background")
local entry_info = require("e2b.entry").from_proto

--- Events a watch keeps for `events()` while nobody pulls them.
Watch.MAX_QUEUED = 10000

-- Event type names as the official SDKs spell them.
local TYPES = {
  EVENT_TYPE_CREATE = "create", EVENT_TYPE_WRITE = "write", EVENT_TYPE_REMOVE = "remove",
  EVENT_TYPE_RENAME = "rename", EVENT_TYPE_CHMOD = "chmod",
  [1] = "create", [2] = "write", [3] = "remove", [4] = "rename", [5] = "chmod",
}

function Watch.__tostring(self)
  return "e2b.WatchHandle(path=" .. self.path .. (self.stopped and ", stopped" or "") .. ")"
end

---@class e2b.FilesystemEvent
---@field name string               path relative to the watched directory
---@field type "create"|"write"|"remove"|"rename"|"chmod"
---@field entry e2b.EntryInfo?      with include_entry, for create/write/chmod

local function start_message(msg)
  if msg.start == nil then return nil end
  return msg.start
end

-- Read the stream's next event (nil once the watch ended: stopped or its own timeout).
local function read(self)
  while not self.stopped do
    local ok, msg = pcall(self._stream.next, self._stream)
    if not ok then
      if self.stopped or self._stream:is_deadline(msg) then return nil end   -- stop() or the timeout
      error(msg, 0)
    end
    if msg == nil then return nil end
    local fs = msg.filesystem
    local kind = type(fs) == "table" and TYPES[fs.type]
    if kind then   -- keepalives and unknown event types are skipped
      local ev = { name = fs.name, type = kind }
      if type(fs.entry) == "table" then ev.entry = entry_info(fs.entry) end
      return ev
    end
  end
  return nil
end

-- The delivery task: every event to on_event and to the queue, until the stream ends.
local function pump(self)
  while true do
    local ok, ev = pcall(read, self)
    if not ok then self._failed = ev break end
    if ev == nil then break end
    background.call(self, self.on_event, ev)
    if self.stopped then break end   -- stop() from inside on_event
    self._queue:push(ev)
    self.dropped = self._queue.dropped
  end
  self.stopped = true
  self._queue:close()
end

--- Wrap an open WatchDir stream. Waits for its `start` message, so events caused after this
--- returns are seen.
---@param source e2b.RpcStream
---@param path string
---@param on_event fun(ev: e2b.FilesystemEvent)?
---@param timeout number  the watch's duration in seconds (0 = none)
---@return e2b.WatchHandle
function Watch.open(source, path, on_event, timeout)
  local s = stream.open(source, { timeout = timeout, start = start_message,
    start_error = "Expected start event from the directory watcher" })
  local h = setmetatable({ _stream = s, path = path, on_event = on_event, stopped = false, dropped = 0,
                           _queue = background.queue(Watch.MAX_QUEUED) }, Watch)
  background.start(h, pump)
  return h
end

--- The next event not pulled yet (waiting for one), or nil once the watch ended: stopped, or
--- its `timeout` elapsed. Stream failures raise (after the events before them); so does, once,
--- an error `on_event` raised.
---@return e2b.FilesystemEvent?
function Watch:next()
  return background.next(self, self.stop)
end

--- Pull iterator over the events: `for ev in h:events() do … end`. Ends at stop or timeout.
---@return fun(): e2b.FilesystemEvent?
function Watch:events()
  return function() return self:next() end
end

--- Wait until the watch ends (stop from inside on_event, or timeout) while on_event gets the
--- events; raises like next(). Events not pulled by `events()` yet are consumed.
function Watch:wait()
  background.rethrow(self)
  local ok, err = pcall(background.finish, self)
  if not ok then self:stop() error(err, 0) end
  self._queue:clear()   -- wait() consumes the events, as pulling them would
  background.rethrow(self)
  if self._failed then error(self._failed, 0) end
end

--- Stop watching (closes the stream): on_event is not called again. Idempotent; events not yet
--- pulled are dropped.
function Watch:stop()
  self.stopped = true
  self._stream:close()
  self._queue:clear()
  self._queue:close()
  background.stop(self)
end

Watch.close = Watch.stop
Watch.__close = Watch.stop

return Watch
