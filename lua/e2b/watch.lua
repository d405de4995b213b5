--- Directory watching (filesystem.Filesystem/WatchDir, a server stream): the handle returned by
--- `sbx.files:watch_dir`. Events arrive while the caller pulls them — `for ev in h:events()` or
--- `h:wait()` — and each one is also passed to `on_event`.
---
--- ```lua
--- local h = sbx.files:watch_dir("/home/user", function(ev) print(ev.type, ev.name) end, { timeout = 30 })
--- sbx.files:write("/home/user/a.txt", "x")
--- for ev in h:events() do if ev.type == "write" then h:stop() end end
--- ```
---@class e2b.WatchHandle
---@field private _stream e2b.RpcStream
local Watch = {}
Watch.__index = Watch

-- Waits happen inside these pcalls: compat.pcall lets a task yield through them on PUC 5.1 too.
local pcall = require("e2b.compat").pcall
local stream = require("e2b.stream")
local entry_info = require("e2b.entry").from_proto

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
  return setmetatable({ _stream = s, path = path, on_event = on_event, stopped = false }, Watch)
end

--- The next event (calling on_event with it), or nil once the watch ended: stopped, or its
--- `timeout` elapsed. Other stream failures raise.
---@return e2b.FilesystemEvent?
function Watch:next()
  while not self.stopped do
    local ok, msg = pcall(self._stream.next, self._stream)
    if not ok then
      self.stopped = true
      if self._stream:is_deadline(msg) then return nil end   -- the watch's own timeout
      error(msg, 0)
    end
    if msg == nil then self.stopped = true return nil end
    local fs = msg.filesystem
    local kind = type(fs) == "table" and TYPES[fs.type]
    if kind then   -- keepalives and unknown event types are skipped
      local ev = { name = fs.name, type = kind }
      if type(fs.entry) == "table" then ev.entry = entry_info(fs.entry) end
      if self.on_event then self.on_event(ev) end
      return ev
    end
  end
  return nil
end

--- Pull iterator over the events: `for ev in h:events() do … end`. Ends at stop or timeout.
---@return fun(): e2b.FilesystemEvent?
function Watch:events()
  return function() return self:next() end
end

--- Deliver events to on_event until the watch ends (stop from inside on_event, or timeout).
function Watch:wait()
  while self:next() do end
end

--- Stop watching (closes the stream). Idempotent; events not yet pulled are dropped.
function Watch:stop()
  self.stopped = true
  self._stream:close()
end

Watch.close = Watch.stop
Watch.__close = Watch.stop

return Watch
