--- Background delivery: every open stream — background command handles, `commands:connect`
--- handles, PTYs, directory watches — has a delivery task here (an `e2b.async` background task, `async._background`)
--- that reads it and runs its callbacks. The task runs whenever the SDK waits for anything: any
--- blocking call, each turn of the `e2b.async` scheduler, each host-loop turn under the luv /
--- Neovim adapters. Between SDK calls nothing runs; `e2b.poll()` drains without blocking.
---
--- ```lua
--- local background = require("e2b.background")
--- local q = background.queue(1024 * 1024)        -- what a handle keeps for its pull iterator
--- background.start(handle, function(h)            -- the delivery loop, in a task
---   for ev in read_events(h) do background.call(h, h.on_event, ev) q:push(ev, 1) end
---   q:close()
--- end)
--- local ev = q:pop()                              -- waits (yields in a task); nil at the end
--- ```
---
--- Callbacks run in the delivery task, in order per stream, and may yield (call the SDK). One
--- that raises does not reach whichever call happened to be waiting: the error is kept on the
--- owner (`background.call`) and raised by the owner's next wait/events (`background.rethrow`).
---@class e2b.background
local background = {}

local async = require("e2b.async")
local compat = require("e2b.compat")
local errors = require("e2b.errors")

-- owner -> its delivery task; weak: the scheduler holds the running ones (diagnostics only).
local registry = setmetatable({}, { __mode = "k" })

--- Start `pump(owner)` as owner's delivery task (first run: the scheduler's next turn).
---@param owner table
---@param pump fun(owner: table)
---@return e2b.async.Task
function background.start(owner, pump)
  local task = async._background(function() pump(owner) end)
  registry[owner] = task
  return task
end

--- Stop owner's delivery (its pending wait ends; nothing more is delivered). Called by
--- disconnect/stop after closing the stream; a no-op from inside the task itself, which sees
--- the closed stream on its next read.
---@param owner table
function background.stop(owner)
  local task = registry[owner]
  if task and async.current() ~= task then task:cancel() end
end

--- True when the running code is owner's delivery task (a callback of its own).
---@param owner table
---@return boolean
function background.inside(owner)
  local task = registry[owner]
  return task ~= nil and async.current() == task
end

--- Wait until owner's delivery task has ended (it ends with its stream). Raises only when this
--- wait itself fails (the waiting task was canceled): the owner then closes its stream, as a
--- canceled read would.
---@param owner table
function background.finish(owner)
  local task = registry[owner]
  if not task or task.status ~= "running" then return end
  if async.current() == task then
    errors.InvalidArgumentError:raise("a stream's callback cannot wait for its own stream to end")
  end
  -- the delivery task keeps its stream's errors itself: only a failure of this wait raises
  local ok, err = compat.pcall(task.wait, task)
  if not ok and task.status == "running" then error(err, 0) end
end

--- Number of streams being delivered now (diagnostics, specs).
---@return integer
function background.count()
  local n = 0
  for _, task in pairs(registry) do if task.status == "running" then n = n + 1 end end
  return n
end

--- Drain every open stream without blocking (for scripts that run their own loop): reads what
--- has arrived and runs the callbacks. Returns the number of streams still open.
---@return integer
function background.poll()
  async.poll()
  return background.count()
end

--- Call a callback of `owner` from its delivery task. An error is kept (the first one, on
--- `owner._callback_error`) for `background.rethrow`; owner's callbacks are not called again.
---@param owner table
---@param cb function?
function background.call(owner, cb, ...)
  if cb == nil or owner._callback_failed then return end
  local ok, err = compat.pcall(cb, ...)
  if not ok then
    local task = registry[owner]
    if task and task.canceled then return end   -- stop() cut the callback's own SDK call short
    owner._callback_failed = true
    owner._callback_error = err
  end
end

--- Raise the error a callback of `owner` raised, once (nothing when none did).
---@param owner table
function background.rethrow(owner)
  if owner._callback_error ~= nil then
    local err = owner._callback_error
    owner._callback_error = nil
    error(err, 0)
  end
end

--- The next item of `owner._queue` for its pull iterator (waiting for one); nil once the queue
--- is closed and empty. A callback's error raises first, then a stream failure kept on
--- `owner._failed`. A canceled wait calls `close(owner)` (the stream goes) and raises on.
---@param owner table
---@param close fun(owner: table)
---@return any
function background.next(owner, close)
  background.rethrow(owner)
  local ok, item = pcall(owner._queue.pop, owner._queue)
  if not ok then close(owner) error(item, 0) end
  if item == nil then
    background.rethrow(owner)
    if owner._failed then error(owner._failed, 0) end
  end
  return item
end

-- ---------------------------------------------------------------------------------------------
-- Bounded queues: what a handle keeps for its pull iterator while nobody pulls.

local Queue = {}
Queue.__index = Queue

--- A FIFO between a delivery task and a pull iterator, bounded by `max` (the sum of the sizes
--- pushed): past it the oldest items are dropped and counted in `q.dropped`.
---@param max number
function background.queue(max)
  return setmetatable({ items = {}, sizes = {}, head = 1, tail = 0, size = 0, max = max,
                        dropped = 0, closed = false, cond = async.cond() }, Queue)
end

--- Append `item` (`size`: its share of the bound, default 1) and wake a waiting pop.
function Queue:push(item, size)
  size = size or 1
  local t = self.tail + 1
  self.tail, self.items[t], self.sizes[t] = t, item, size
  self.size = self.size + size
  while self.size > self.max and self.head < self.tail do
    local h = self.head
    self.size = self.size - self.sizes[h]
    self.items[h], self.sizes[h] = nil, nil
    self.head = h + 1
    self.dropped = self.dropped + 1
  end
  self.cond:signal()
end

--- No more items will come (the stream ended): pops past the last item return nil.
function Queue:close()
  self.closed = true
  self.cond:signal()
end

--- The next item, waiting for one (yielding inside a task, running the scheduler outside) until
--- the queue is closed: then nil.
function Queue:pop()
  if self.head > self.tail and not self.closed then
    self.cond:wait(function() return self.head <= self.tail or self.closed end)
  end
  local h = self.head
  if h > self.tail then return nil end
  local item = self.items[h]
  self.size = self.size - self.sizes[h]
  self.items[h], self.sizes[h] = nil, nil
  self.head = h + 1
  return item
end

--- Forget the items not popped yet (a wait() that consumed the stream).
function Queue:clear()
  self.items, self.sizes, self.head, self.tail, self.size = {}, {}, 1, 0, 0
end

background.Queue = Queue
return background
