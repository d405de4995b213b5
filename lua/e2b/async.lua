--- Coroutine tasks on the SDK's shared client: every SDK call inside a task yields while it
--- waits, so the I/O of all tasks overlaps on one curl multi. Outside a task calls block as before
--- (while they block, other tasks keep running).
---
--- ```lua
--- local async = require("e2b.async")
--- local a = async.spawn(function() return sbx.commands:run("sleep 1; echo a").stdout end)
--- local b = async.spawn(function() return sbx.commands:run("sleep 1; echo b").stdout end)
--- print(async.all({ a, b })[1])      -- about 1 s, not 2
--- ```
---
--- Errors in a task reach whoever waits on it: the same error value, with `traceback` (the
--- task's) added to error objects, appended to string errors.
---
--- Lua 5.1 cannot yield across pcall or other C frames. Where a task cannot yield, its wait runs
--- the scheduler in place instead (other tasks keep running; this one resumes once they yield).
local core = require("e2b.native")
local transport = require("e2b.transport")
local errors = require("e2b.errors")
local compat = require("e2b.compat")

local async = {}
local unpack, pack = compat.unpack, compat.pack

local YIELD = {}                       -- marker: a yield by the scheduler, not by user code
local tasks = setmetatable({}, { __mode = "k" })   -- coroutine -> task
-- FIFO of (task, value) pairs in two arrays: no table per wake-up (issue 12)
local ready_task, ready_value, ready_head, ready_n = {}, {}, 1, 0
local WEAK_KEYS = { __mode = "k" }   -- a task's requests (task.reqs): one metatable for all
local waits = {}                       -- task -> { T = transport, req = request, deadline = ms }
local by_req = {}                      -- request -> task waiting on it
local live = 0                         -- tasks not finished (spawned by users)
local daemons = 0                      -- background tasks not finished (async._background)

--- Host adapters (adapters/luv.lua) replace how the scheduler waits for I/O.
---@class e2b.async.driver
---@field kick fun()            -- a task became ready: resume ready tasks soon (not now)
---@field watch fun(T: table?)  -- a task waits: on a request of transport T (watch its client), or
---                             --  on a deadline / other tasks (T = nil): re-arm the deadline timer
---@field wait fun(done: (fun(): boolean), deadline: number?): boolean
---                             -- outside a task: keep the host loop turning until done() (false at
---                             --  deadline); waits of SDK calls outside tasks use it too
async.driver = nil

local Task = {}
Task.__index = Task
Task.__name = "e2b.async.Task"
function Task:__tostring()
  return string.format("e2b.async.Task(%s)", self.status)
end

local function now() return core.now_ms() end

local function wake(task, value)
  local w = waits[task]
  if w then
    waits[task] = nil
    if w.req and by_req[w.req] == task then by_req[w.req] = nil end
  end
  ready_n = ready_n + 1
  ready_task[ready_n], ready_value[ready_n] = task, value
  if async.driver then async.driver.kick() end
end

local function cancel_error(task)
  return errors.SandboxError:new("task canceled", { kind = "canceled" })
end

local function finish(task, ok, ...)
  if task.status ~= "running" then return end
  if task.daemon then daemons = daemons - 1 else live = live - 1 end
  tasks[task.co] = nil
  if ok then
    task.status = "done"
    task.results = { n = select("#", ...), ... }
  else
    task.status = task.canceled and "canceled" or "failed"
    task.err = ...
    -- readers/streams it opened and left open would stay pinned in flight forever
    for req in pairs(task.reqs) do req:close() end
  end
  local waiters = task.waiters   -- made by the first task that waited on this one (await)
  if waiters then
    task.waiters = false
    for _, t in ipairs(waiters) do
      if waits[t] and waits[t].tasks then wake(t, true) end
    end
  end
end

-- What coroutine.resume gave, taken as arguments (no table per resume; issue 12).
local function resumed(task, co, ok, ...)
  if coroutine.status(co) == "dead" then
    if ok then
      finish(task, true, ...)
    else
      local e = ...
      local tb = debug.traceback(co, "e2b.async task", 0)
      if type(e) == "table" and e.traceback == nil then
        e.traceback = tb
      elseif type(e) == "string" then
        e = e .. "\n" .. tb
      end
      finish(task, false, e)
    end
  elseif (...) ~= YIELD then
    wake(task, nil)         -- a plain coroutine.yield(): let the others run, then continue
  end
end

-- Resume one task with `value`; its yields go back to here.
local function resume(task, value)
  local co = task.co
  if task.status ~= "running" then return end
  if coroutine.status(co) ~= "suspended" then   -- on the stack (a nested wait): later
    ready_n = ready_n + 1
    ready_task[ready_n], ready_value[ready_n] = task, value
    return
  end
  task.started = true
  return resumed(task, co, coroutine.resume(co, value))
end

--- Resume every task that is ready now (tasks woken meanwhile run in the next round).
function async.run_ready()
  -- pop one at a time from the shared queue: a nested wait (5.1) runs the rest of it
  local n = ready_n - ready_head + 1
  for _ = 1, n do
    if ready_head > ready_n then break end
    local i = ready_head
    local task, value = ready_task[i], ready_value[i]
    ready_task[i], ready_value[i] = nil, nil
    ready_head = i + 1
    resume(task, value)
  end
  return n
end

-- Wake tasks whose request ended (closed by someone else) or whose deadline passed; returns the
-- ms until the next deadline (or `cap`).
local function sweep(cap)
  local t, wait = now(), cap
  for task, w in pairs(waits) do
    if w.req then
      local st = w.req:state()
      if st == "closed" or st == "done" or st == "failed" then wake(task, true)
      elseif w.T.news[w.req] then w.T.news[w.req] = nil wake(task, true) end
    end
    if waits[task] and w.deadline then
      if w.deadline <= t then wake(task, false)
      elseif w.deadline - t < wait then wait = w.deadline - t end
    end
  end
  return wait
end
--- For host adapters: wake tasks whose request ended or whose deadline passed; returns the ms
--- until the next deadline, at most `cap`.
async.sweep = sweep

--- Hand a list of requests with news (from client:step/action) to the tasks waiting on them;
--- news of requests nobody waits on yet is kept in the transport for their own wait.
function async.deliver(T, list)
  for _, r in ipairs(list) do
    local task = by_req[r]
    if task then wake(task, true) else T.news[r] = true end
  end
end

-- Step every client that a waiting task (or `extra`) uses, for at most `ms` in total.
local function poll(ms, extra)
  local clients, n = {}, 0
  if extra then n = 1 clients[1] = extra end
  for _, w in pairs(waits) do
    if w.T then
      local seen = false
      for i = 1, n do if clients[i] == w.T then seen = true end end
      if not seen then n = n + 1 clients[n] = w.T end
    end
  end
  if n == 0 then
    if ms > 0 then core.sleep_ms(ms) end
    return
  end
  local each = n > 1 and math.min(ms, 10) or ms
  for i = 1, n do
    local T = clients[i]
    async.deliver(T, T.client:step(math.floor(each)))
  end
end

-- Nested drives (5.1) each hold C frames: past this depth they only poll, so the C stack
-- (LUAI_MAXCCALLS) never overflows; the tasks started so far still overlap.
local MAX_NESTING = 12
local nesting = 0

-- Run the scheduler in place until done() is true; false when `deadline` passed first.
local function drive(done, deadline, self_task, extra_T)
  while true do
    if done() then return true end
    if self_task and self_task.canceled then error(cancel_error(self_task), 0) end
    if deadline and now() >= deadline then return false end
    if nesting < MAX_NESTING then
      nesting = nesting + 1
      local ok, e = pcall(async.run_ready)
      nesting = nesting - 1
      if not ok then error(e, 0) end
    end
    if done() then return true end
    local cap = 1000
    if deadline then cap = math.max(0, math.min(cap, deadline - now())) end
    cap = sweep(cap)
    if ready_n >= ready_head and nesting < MAX_NESTING then cap = 0 end
    poll(cap, extra_T)
  end
end

-- The task running now: the running coroutine's, or (inside a compat.pcall) its caller's.
local function current()
  local co = compat.root(coroutine.running())
  return co and tasks[co] or nil
end

-- PUC 5.1 has no isyieldable: any C frame (pcall, sort, gsub…) below us blocks a yield.
local function can_yield()
  local ok = compat.can_yield(4)   -- level 4: the caller of the function asking (no tail call)
  return ok
end

-- Suspend the current task until woken (by news, deadline or another task): the value it was
-- woken with. Returns nil, "nested" when it cannot yield here.
local function suspend(task, w)
  if task.canceled then error(cancel_error(task), 0) end
  waits[task] = w
  if w.req then by_req[w.req] = task end
  if async.driver then async.driver.watch(w.T) end
  local v = coroutine.yield(YIELD)
  if task.canceled then
    if w.req then w.req:close() end   -- the call is abandoned: nothing stays in flight
    error(cancel_error(task), 0)
  end
  return v
end

--- The transport's waiter (see transport.lua): yield inside a task, else run the scheduler here.
function async.waiter(T, req, deadline)
  local task = current()
  if task and can_yield() then
    return suspend(task, { T = T, req = req, deadline = deadline })
  end
  if live + daemons == 0 and not async.driver then return T:block(req, deadline) end
  local function done()
    if req == nil then return false end   -- a sleep: only the deadline ends it
    if T.news[req] then T.news[req] = nil return true end
    local st = req:state()
    return st == "done" or st == "failed" or st == "closed"
  end
  local ok, res
  if async.driver and async.driver.wait then
    -- a host loop: keep it turning (stepping the client here would block it)
    async.driver.watch(T)
    ok, res = pcall(async.driver.wait, function()
      return done() or (task ~= nil and task.canceled == true)
    end, deadline)
    if ok and task and task.canceled then ok, res = false, cancel_error(task) end
  else
    ok, res = pcall(drive, done, deadline, task, T)
  end
  if not ok then
    if task and task.canceled and req then req:close() end
    error(res, 0)
  end
  return res
end
--- The transport's on_request hook: a request started inside a task belongs to it (closed if
--- the task fails or is canceled).
function async.on_request(req)
  local task = current()
  if task then task.reqs[req] = true end
end

-- Until a task exists or a driver is set, the transport's own blocking wait is exactly what this
-- scheduler would do; from then on every transport waits through it.
local installed = false
local function install()
  if installed then return end
  installed = true
  transport.set_waiter(async.waiter, async.on_request)
end

--- Install a host driver (see e2b.async.driver; adapters/luv.lua does), or remove it with nil.
---@param driver e2b.async.driver?
function async.set_driver(driver)
  async.driver = driver
  if driver then install() end
end

--- Start `fn(...)` as a task. It runs when the scheduler next turns: at the next wait of any
--- task or of the caller (or, with a host adapter, on the host loop's next turn).
---@return e2b.async.Task
function async.spawn(fn, ...)
  if type(fn) ~= "function" then
    errors.InvalidArgumentError:raise("async.spawn: function expected, got " .. type(fn))
  end
  local n, co = select("#", ...), nil
  if n == 0 then   -- the usual spawn(function() … end): no table for no arguments
    co = coroutine.create(function() return fn() end)
  else
    local args = { n = n, ... }
    co = coroutine.create(function() return fn(unpack(args, 1, args.n)) end)
  end
  -- (waiters: made when a task first waits on this one)
  local task = setmetatable({ co = co, status = "running", waiters = false, reqs = setmetatable({}, WEAK_KEYS) }, Task)
  tasks[co] = task
  live = live + 1
  install()
  wake(task, nil)
  return task
end

--- Start `fn()` as a background task (e2b.background: a stream's delivery): scheduled like any
--- task, but not counted by `async.live()` — nobody waits for it to end.
---@param fn function
---@return e2b.async.Task
function async._background(fn)
  local task = async.spawn(fn)
  task.daemon = true
  live, daemons = live - 1, daemons + 1
  return task
end

--- One turn of the scheduler without blocking: step the clients tasks wait on (timeout 0) and
--- resume every task that is ready. Under a host adapter only the ready tasks run (the host
--- loop watches the sockets). Returns the number of tasks not finished, background ones included.
---@return integer
function async.poll()
  if live + daemons == 0 then return 0 end
  async.run_ready()
  if not async.driver then
    sweep(0)
    poll(0)
    async.run_ready()
  end
  return live + daemons
end

-- A condition tasks wait on (`Cond:wait(pred)`), re-checked at each `Cond:signal()`.
local Cond = {}
Cond.__index = Cond

--- A condition: `c:wait(pred, deadline)` returns once pred() holds (true) or at `deadline`
--- (false), re-checking pred at each `c:signal()`; inside a task it yields, outside it runs the
--- scheduler meanwhile (like Task:wait).
function async.cond() return setmetatable({ waiters = {} }, Cond) end

--- Wake the tasks waiting on the condition (they re-check their predicate).
function Cond:signal()
  local list = self.waiters
  if #list == 0 then return end
  self.waiters = {}
  for _, t in ipairs(list) do
    if waits[t] and waits[t].tasks then wake(t, true) end
  end
end

local function is_task(t) return getmetatable(t) == Task end

local function outcome(task)
  if task.status == "done" then return unpack(task.results, 1, task.results.n) end
  error(task.err, 0)
end

-- Wait until pred() holds, re-checked whenever one of `list`'s tasks ends; false at `deadline`.
local function await(list, pred, deadline)
  local me = current()
  while not pred() do
    local ok
    if me and can_yield() then
      local w = { tasks = list, deadline = deadline }
      for _, t in ipairs(list) do
        local ws = t.waiters
        if not ws then ws = {} t.waiters = ws end
        ws[#ws + 1] = me
      end
      ok = suspend(me, w)
    elseif async.driver and async.driver.wait then
      ok = async.driver.wait(pred, deadline)
    else
      ok = drive(pred, deadline, me)
    end
    if ok == false and not pred() then return false end
  end
  return true
end

--- Wait until pred() holds (true) or `deadline` passed (false); see async.cond.
---@param pred fun(): boolean
---@param deadline number?   core.now_ms() value
---@return boolean
function Cond:wait(pred, deadline)
  return await({ self }, pred, deadline)
end

local function timeout_arg(timeout, what)
  if timeout ~= nil and (type(timeout) ~= "number" or not (timeout >= 0) or timeout == math.huge) then
    errors.InvalidArgumentError:raise(what .. ": argument 'timeout' must be a finite number of seconds >= 0 or nil, got "
      .. tostring(timeout))
  end
  return timeout and now() + timeout * 1000 or nil
end

local function still_running(timeout)
  errors.TimeoutError:raise(string.format("task still running after %g s", timeout), { kind = "timeout" })
end

--- Wait until the task ends; returns its results or raises its error. `timeout` (seconds,
--- optional) raises TimeoutError when the task is still running then (the task goes on).
function Task:wait(timeout)
  local deadline = timeout_arg(timeout, "Task:wait")
  if current() == self then errors.InvalidArgumentError:raise("Task:wait: a task cannot wait on itself") end
  if not await({ self }, function() return self.status ~= "running" end, deadline) then
    still_running(timeout)
  end
  return outcome(self)
end
async.wait = function(task, timeout)
  if not is_task(task) then
    errors.InvalidArgumentError:raise("async.wait: argument 'task' must be a task (from async.spawn), got " .. type(task))
  end
  return task:wait(timeout)
end

--- "running" | "done" | "failed" | "canceled"
function Task:state() return self.status end

--- Cancel the task: its current (or next) wait raises SandboxError kind "canceled" after closing
--- the request it waited on, so nothing stays in flight. A finished task is left as it is.
--- Returns true when the task was still running.
function Task:cancel()
  if self.status ~= "running" then return false end
  self.canceled = true
  if not self.started then
    finish(self, false, cancel_error(self))     -- never ran: nothing to unwind
  elseif waits[self] then
    wake(self, nil)                             -- its wait raises (and closes its request)
  end
  -- otherwise it is queued or on the stack: its next wait (or the nested drive) raises
  return true
end

-- Wait for a list of tasks; each entry { ok = true, n, ... } or { ok = false, error = e }.
local function check_list(list, what)
  if type(list) ~= "table" then errors.InvalidArgumentError:raise(what .. ": list of tasks expected") end
  for i, t in ipairs(list) do
    if not is_task(t) then errors.InvalidArgumentError:raise(string.format("%s: entry %d is not a task", what, i)) end
  end
end

--- Wait for every task; returns one entry per task: `{ ok = true, n = k, v1, …, vk }` or
--- `{ ok = false, error = e }`. Never raises for a task's error.
function async.gather(list, timeout)
  check_list(list, "async.gather")
  local deadline = timeout_arg(timeout, "async.gather")
  local out = {}
  for i, t in ipairs(list) do
    local left = deadline and math.max(0, (deadline - now()) / 1000) or nil
    local res = pack(pcall(t.wait, t, left))
    if res[1] then
      out[i] = { ok = true, n = res.n - 1, unpack(res, 2, res.n) }
    elseif t.status == "running" then
      error(res[2], 0)   -- the timeout: the gather itself failed
    else
      out[i] = { ok = false, error = res[2] }
    end
  end
  return out
end

--- Wait for every task; returns the first result of each (in order). The first task to fail
--- cancels the others, and its error is raised.
function async.all(list, timeout)
  check_list(list, "async.all")
  local deadline = timeout_arg(timeout, "async.all")
  local failed
  local function settled()
    local all_done = true
    for _, t in ipairs(list) do
      if t.status == "failed" or t.status == "canceled" then failed = failed or t return true end
      if t.status == "running" then all_done = false end
    end
    return all_done
  end
  if not await(list, settled, deadline) then still_running(timeout) end
  if failed then
    for _, t in ipairs(list) do t:cancel() end
    -- let the canceled ones unwind (close their requests) before the caller goes on
    await(list, function()
      for _, t in ipairs(list) do if t.status == "running" then return false end end
      return true
    end, now() + 5000)
    error(failed.err, 0)
  end
  local out = {}
  for i, t in ipairs(list) do out[i] = t.results[1] end
  return out
end

--- Pause the current task for `seconds` (outside a task: run the other tasks meanwhile).
function async.sleep(seconds)
  -- NaN and inf would make a deadline no clock reaches: a hang, not a sleep
  if type(seconds) ~= "number" or not (seconds >= 0) or seconds == math.huge then
    errors.InvalidArgumentError:raise("async.sleep: argument 'seconds' must be finite seconds >= 0, got "
      .. tostring(seconds))
  end
  local deadline = now() + seconds * 1000
  local me = current()
  if me and can_yield() then
    while now() < deadline do suspend(me, { deadline = deadline }) end
    return
  end
  if async.driver and async.driver.wait then
    async.driver.wait(function() return false end, deadline)
  else
    drive(function() return false end, deadline, me)
  end
end

--- Let other tasks run (a no-op outside a task).
function async.yield()
  local me = current()
  if me and can_yield() then
    wake(me, nil)
    coroutine.yield(YIELD)
    if me.canceled then error(cancel_error(me), 0) end
  end
end

--- pcall that tasks can yield through on PUC 5.1 too: `e2b.compat.pcall` (kept here for users).
async.pcall = compat.pcall

--- Run `fn(...)` as a task and wait for it: its results, or its error raised.
function async.run(fn, ...)
  return async.spawn(fn, ...):wait()
end

--- The task running now, or nil.
function async.current() return current() end

--- Number of tasks not finished (background stream delivery tasks are not counted).
function async.live() return live end

async.Task = Task
async._YIELD = YIELD
return async
