--- Runs `e2b.async` tasks on a libuv loop (luv, or Neovim's `vim.uv`/`vim.loop`): curl's sockets
--- and timer are watched by uv poll/timer handles, so nothing ever blocks the loop.
---
--- ```lua
--- local uv = require("luv")
--- local async = require("e2b.async")
--- local driver = require("e2b.adapters.luv").install({ uv = uv })
--- async.spawn(function() print(sbx.commands:run("echo hi").stdout) end)
--- uv.run()                 -- tasks run while the loop turns
--- driver:uninstall()       -- back to the blocking scheduler
--- ```
---
--- `install` options: `uv` (the luv module, required), `schedule(fn)` (run fn on a later loop
--- turn; default a uv idle handle), `wait(done, deadline)` (keep the loop turning until done();
--- default `uv.run("once")` in a loop), `on_error(err)` (a failure inside a loop callback;
--- default: written to stderr). adapters/nvim.lua passes Neovim's.
---
--- Background streams (background commands, PTYs, watches: e2b.background) are delivered on the
--- loop too: their callbacks run on loop turns, also when no task waits on them. An open one
--- keeps the loop alive (`uv.run()` returns once it ends, is disconnected/stopped or killed).
local core = require("e2b.native")
local async = require("e2b.async")

local M = {}

local Driver = {}
Driver.__index = Driver
Driver.__name = "e2b.adapters.luv.Driver"
function Driver:__tostring()
  local n = 0
  for _ in pairs(self.watched) do n = n + 1 end
  return string.format("e2b.adapters.luv.Driver(clients=%d, installed=%s)", n, tostring(async.driver == self.driver))
end

local function close_handle(h)
  if not h:is_closing() then h:close() end
end

-- One client's watchers: a poll handle per socket curl wants watched and one timer.
local function unwatch(self, w)
  for fd, p in pairs(w.polls) do
    p.h:stop()
    close_handle(p.h)
    w.polls[fd] = nil
  end
  w.timer:stop()
  close_handle(w.timer)
  self.watched[w.T] = nil
end

local sync

-- Run one client action (socket ready or timer due) and hand its news to the waiting tasks.
local function act(self, w, fn, ...)
  local ok, news = pcall(fn, w.T.client, ...)
  if not ok then              -- the client was closed under us: nothing left to watch
    unwatch(self, w)
    return
  end
  async.deliver(w.T, news)
  sync(self, w)
end

--- Bring the uv handles in line with what curl wants now (client:fds() / client:timeout()).
--- Also called before each action: a socket closed by req:close() may reuse its fd number later,
--- and a stale poll handle would never fire for the new one.
function sync(self, w)
  local c = w.T.client
  local ok, fds = pcall(c.fds, c)
  if not ok or c:active() == 0 then unwatch(self, w) return end
  local want = {}
  for _, s in ipairs(fds) do want[s.fd] = s end
  for fd, p in pairs(w.polls) do
    if not want[fd] then
      p.h:stop()
      close_handle(p.h)
      w.polls[fd] = nil
    end
  end
  for fd, s in pairs(want) do
    local ev = (s.read and "r" or "") .. (s.write and "w" or "")
    local p = w.polls[fd]
    if not p then
      p = { h = self.uv.new_poll(fd), ev = "" }
      w.polls[fd] = p
    end
    if p.ev ~= ev then
      p.ev = ev
      if ev == "" then
        p.h:stop()
      else
        p.h:start(ev, function(err, events)
          if w.polls[fd] ~= p then return end
          self:_guard(function()
            sync(self, w)
            if w.polls[fd] ~= p then return end     -- curl dropped this socket meanwhile
            events = events or ""
            act(self, w, c.action, fd, events:find("r") ~= nil, events:find("w") ~= nil, err ~= nil)
          end)
        end)
      end
    end
  end
  local ms = c:timeout()
  if ms < 0 then
    w.timer:stop()
  else
    w.timer:start(ms, 0, function()
      self:_guard(function()
        if self.watched[w.T] ~= w then return end
        act(self, w, c.action_timeout)
      end)
    end)
  end
end

-- Wake tasks whose deadline passed and arm one timer for the next deadline.
local function arm_deadlines(self)
  local ms = async.sweep(math.huge)
  if ms == math.huge then
    self.deadline_timer:stop()
  else
    self.deadline_timer:start(math.max(0, math.ceil(ms)), 0, function()
      self:_guard(function() arm_deadlines(self) end)
    end)
  end
end

-- Errors inside loop callbacks must not unwind the host loop.
function Driver:_guard(fn)
  local ok, err = pcall(fn)
  if not ok then self.on_error(err) end
end

--- A task became ready: resume ready tasks on a later loop turn (never now: we may be inside a
--- uv callback, or inside the task that woke another one).
function Driver:_kick()
  if self.kicked then return end
  self.kicked = true
  self.schedule(function()
    self.kicked = false
    self:_guard(function()
      async.run_ready()
      for _, w in pairs(self.watched) do sync(self, w) end   -- requests the tasks closed/opened
      arm_deadlines(self)
    end)
  end)
end

--- A task (or a wait outside tasks) waits on transport T's client, or on a deadline (T = nil).
function Driver:_watch(T)
  if T then
    local w = self.watched[T]
    if not w then
      w = { T = T, polls = {}, timer = self.uv.new_timer() }
      self.watched[T] = w
    end
    sync(self, w)
  end
  arm_deadlines(self)
end

--- Keep the loop turning until done() or `deadline` (core.now_ms() value); true when done.
--- done() may consume what it checks (a request's news): it is called once per check.
function Driver:_wait(done, deadline)
  if done() then return true end
  local uv = self.uv
  local t = deadline and uv.new_timer()
  if t then t:start(math.max(0, deadline - core.now_ms()), 0, function() end) end
  local ok, res = pcall(function()
    while true do
      if deadline and core.now_ms() >= deadline then return false end
      uv.run("once")
      if done() then return true end
      if not uv.loop_alive() and async.live() > 0 and not self.kicked then
        error("e2b.adapters.luv: the loop has nothing left to wait for (a task waits on itself?)", 0)
      end
    end
  end)
  if t then t:stop() close_handle(t) end
  if not ok then error(res, 0) end
  return res
end

--- Stop watching every client and restore the default scheduler (if this driver is installed).
function Driver:uninstall()
  for _, w in pairs(self.watched) do unwatch(self, w) end
  self.deadline_timer:stop()
  close_handle(self.deadline_timer)
  if self.idle then self.idle:stop() close_handle(self.idle) end
  if async.driver == self.driver then async.set_driver(nil) end
  -- luv 1.44 crashes at exit on handles closed but never reaped: on our own loop, reap them now
  -- (a host like Neovim runs its loop itself)
  if self.own_loop then self.uv.run("nowait") end
end

--- Number of clients watched and uv poll handles open (for tests and diagnostics).
function Driver:stats()
  local clients, polls = 0, 0
  for _, w in pairs(self.watched) do
    clients = clients + 1
    for _ in pairs(w.polls) do polls = polls + 1 end
  end
  return { clients = clients, polls = polls }
end

local function check_opts(opts)
  if type(opts) ~= "table" then error("e2b.adapters.luv.install: options table expected", 3) end
  local known = { uv = true, schedule = true, wait = true, on_error = true }
  for k in pairs(opts) do
    if not known[k] then error("e2b.adapters.luv.install: unknown option '" .. tostring(k) .. "'", 3) end
  end
  if type(opts.uv) ~= "table" or type(opts.uv.new_poll) ~= "function" then
    error("e2b.adapters.luv.install: option 'uv' must be the luv module (require('luv') or vim.uv)", 3)
  end
  for _, k in ipairs({ "schedule", "wait", "on_error" }) do
    if opts[k] ~= nil and type(opts[k]) ~= "function" then
      error("e2b.adapters.luv.install: option '" .. k .. "' must be a function", 3)
    end
  end
end

--- Make a driver and install it as `async.driver`; returns it (`:uninstall()`, `:stats()`).
---@return table
function M.install(opts)
  check_opts(opts)
  if async.driver and async.driver.owner then async.driver.owner:uninstall() end
  local self = setmetatable({ uv = opts.uv, watched = {}, kicked = false }, Driver)
  self.deadline_timer = opts.uv.new_timer()
  self.on_error = opts.on_error or function(err)
    io.stderr:write("e2b.adapters.luv: ", tostring(err), "\n")
  end
  self.schedule = opts.schedule
  self.own_loop = opts.schedule == nil
  if not self.schedule then
    -- an idle handle runs once per loop turn, after I/O: ready tasks never starve the sockets
    self.idle = opts.uv.new_idle()
    local queue = {}
    self.schedule = function(fn)
      queue[#queue + 1] = fn
      self.idle:start(function()
        self.idle:stop()
        local q = queue
        queue = {}
        for _, f in ipairs(q) do f() end
      end)
    end
  end
  local wait = opts.wait
  self.driver = {
    owner = self,
    kick = function() self:_kick() end,
    watch = function(T) self:_watch(T) end,
    wait = wait and function(done, deadline) return wait(done, deadline) end
               or function(done, deadline) return self:_wait(done, deadline) end,
  }
  async.set_driver(self.driver)
  -- tasks spawned before the install are already queued
  self:_kick()
  return self
end

--- Uninstall whichever luv driver is installed (no-op when none).
function M.uninstall()
  if async.driver and async.driver.owner then async.driver.owner:uninstall() end
end

return M
