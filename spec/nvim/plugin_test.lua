-- The E2B Neovim plugin end to end in a headless Neovim (run by spec/nvim/run.sh): the editor
-- stays responsive while a command streams, output arrives incrementally, :E2BStop cancels with
-- nothing left in flight, :E2BSandboxes lists and kills. Prints "ok - …" / "not ok - …" lines
-- and exits non-zero when any check failed.
local uv = vim.uv or vim.loop
local failed = 0

local function out(s) io.stdout:write(s, "\n") io.stdout:flush() end
local function check(name, cond, detail)
  if cond then out("ok - " .. name) else failed = failed + 1 out("not ok - " .. name .. ": " .. tostring(detail)) end
end
local function ms() return uv.hrtime() / 1e6 end
local function lines(name)
  local b = vim.fn.bufnr(name)
  if b == -1 then return {} end
  return vim.api.nvim_buf_get_lines(b, 0, -1, false)
end
local function has_line(list, pat)
  for _, l in ipairs(list) do if l:find(pat) then return true end end
  return false
end
local function settle(task, secs)
  return vim.wait(secs * 1000, function() return task:state() ~= "running" end, 20)
end

-- errors from the SDK reach vim.notify: keep them for the report
local notes = {}
vim.notify = function(msg) notes[#notes + 1] = msg end

local function main()
  check("Neovim runs LuaJIT or 5.1", jit ~= nil or _VERSION == "Lua 5.1", _VERSION)
  check("plugin commands defined", vim.fn.exists(":E2BRun") == 2 and vim.fn.exists(":E2BStop") == 2
        and vim.fn.exists(":E2BSandboxes") == 2, "missing :E2B* commands")
  local plugin = require("e2b_nvim")
  local client = function() return require("e2b.transport").shared({}).client end

  -- 1. streaming while a vim timer ticks every 50 ms
  local ticks, samples = {}, {}
  local timer = vim.fn.timer_start(50, function()
    ticks[#ticks + 1] = ms()
    samples[#samples + 1] = { ms(), #lines("e2b://output") }
  end, { ["repeat"] = -1 })
  local t_start = ms()
  vim.cmd("E2BRun for i in $(seq 1 40); do echo line $i; sleep 0.1; done")
  local task = plugin.state.task
  check("E2BRun started a task", task ~= nil, table.concat(notes, "; "))
  if not task then return end
  settle(task, 60)
  local t_end = ms()
  vim.fn.timer_stop(timer)
  check("command task finished", task:state() == "done", tostring(task:state()) .. " " .. tostring(task.err))
  local buf = lines("e2b://output")
  check("all 40 lines and the exit status in the scratch buffer",
        buf[2] == "line 1" and buf[41] == "line 40" and buf[42] == "[exit 0]", vim.inspect(buf))
  -- responsiveness: gaps between ticks while the command streamed
  local first_out
  for _, s in ipairs(samples) do if s[2] > 1 then first_out = s[1] break end end
  -- every gap from :E2BRun to the end (sandbox creation included), the first one from t_start
  local maxgap, n, prev = 0, 0, t_start
  for i = 1, #ticks do
    if ticks[i] > t_start then
      n = n + 1
      maxgap = math.max(maxgap, ticks[i] - prev)
      prev = ticks[i]
    end
  end
  maxgap = math.max(maxgap, t_end - prev)
  check("ticks kept firing while streaming (>= 40 ticks)", n >= 40, n .. " ticks")
  check("max gap between 50 ms ticks < 250 ms", maxgap < 250, string.format("%.0f ms", maxgap))
  -- incremental: many distinct line counts seen, the first output long before the end
  local distinct, last = 0, -1
  for _, s in ipairs(samples) do if s[2] ~= last then distinct = distinct + 1 last = s[2] end end
  check("buffer grew incrementally (>= 15 distinct sizes)", distinct >= 15, distinct .. " sizes")
  check("first output >= 2.5 s before the end", first_out and t_end - first_out >= 2500,
        first_out and string.format("%.0f ms", t_end - first_out) or "no output seen")
  check("nothing in flight after the command", client():active() == 0, client():active())
  out(string.format("# streamed %.1f s, %d ticks, max gap %.0f ms", (t_end - t_start) / 1000, n, maxgap))

  -- 2. :E2BStop cancels the task and kills the process
  vim.cmd("E2BRun for i in $(seq 1 300); do echo tick $i; sleep 0.1; done")
  task = plugin.state.task
  vim.wait(20000, function() return has_line(lines("e2b://output"), "^tick 3$") end, 20)
  check("long command streams before stop", has_line(lines("e2b://output"), "^tick 3$"), vim.inspect(lines("e2b://output")))
  local pid = plugin.state.handle and plugin.state.handle.pid
  local kill_task = plugin.stop()
  check("stop killed the process in a task", kill_task ~= nil, "no handle to kill")
  settle(task, 5)
  if kill_task then settle(kill_task, 10) end
  check("task canceled", task:state() == "canceled", task:state())
  vim.wait(3000, function() return client():active() == 0 end, 20)
  check("client:active() == 0 after stop", client():active() == 0, client():active())
  local n_after = #lines("e2b://output")
  vim.wait(600, function() return false end, 50)
  local final = lines("e2b://output")
  check("no output after stop, [stopped] noted", #final == n_after and final[#final] == "[stopped]", vim.inspect(final))
  local sbx = plugin.state.sandbox
  local async = require("e2b.async")
  local procs = async.run(function() return sbx.commands:list() end)
  local alive = false
  for _, p in ipairs(procs) do if p.pid == pid then alive = true end end
  check("process gone from the sandbox", pid ~= nil and not alive, "pid " .. tostring(pid))

  -- 3. run the current buffer (filetype sh)
  vim.cmd("enew")
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { "echo from-buffer $((6 * 7))" })
  vim.bo.filetype = "sh"
  vim.cmd("E2BRun")
  settle(plugin.state.task, 30)
  check("buffer ran in the sandbox", has_line(lines("e2b://output"), "^from%-buffer 42$"), vim.inspect(lines("e2b://output")))
  vim.cmd("enew")
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { "no interpreter for this" })
  local before = #notes
  local prev = plugin.state.task
  vim.cmd("E2BRun")
  check("unknown filetype is refused with a clear message", plugin.state.task == prev
        and (notes[before + 1] or ""):find("no interpreter for filetype '%(none%)'") ~= nil, notes[before + 1])

  -- 4a. a background command's output reaches a scratch buffer while the editor runs other
  -- commands: nobody waits on its handle, the delivery task runs on the editor's loop
  local bg = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(bg, "e2b://background")
  local h = async.run(function()
    return sbx.commands:run("for i in $(seq 1 20); do echo bg $i; sleep 0.05; done", { background = true,
      on_stdout = function(s)
        for l in s:gmatch("[^\n]+") do vim.api.nvim_buf_set_lines(bg, -1, -1, false, { l }) end
      end })
  end)
  local edits, t_bg = 0, ms()
  while not has_line(lines("e2b://background"), "^bg 20$") and ms() - t_bg < 20000 do
    vim.cmd("enew")                                   -- the editor goes on with other commands
    vim.api.nvim_buf_set_lines(0, 0, -1, false, { "edit " .. edits })
    vim.cmd("normal! yyp")
    edits = edits + 1
    vim.wait(20, function() return false end, 10)
  end
  local bgl = lines("e2b://background")
  check("background output reached the scratch buffer while the editor ran other commands",
        bgl[2] == "bg 1" and bgl[21] == "bg 20" and edits >= 5, edits .. " edits, " .. vim.inspect(bgl))
  local bg_ok, bg_res = pcall(function() return async.run(function() return h:wait() end) end)
  check("its handle still waits for the result", bg_ok and bg_res.exit_code == 0 and bg_res.stdout:find("bg 20\n$") ~= nil,
        tostring(bg_res))

  -- 4. :E2BSandboxes lists the session's sandbox; x kills it
  local list_task = plugin.sandboxes()
  settle(list_task, 20)
  local listed = lines("e2b://sandboxes")
  check("sandbox list shows this session's sandbox", has_line(listed, "^" .. vim.pesc(sbx.sandbox_id) .. "  .*this session"), vim.inspect(listed))
  vim.api.nvim_set_current_buf(vim.fn.bufnr("e2b://sandboxes"))
  for i, l in ipairs(listed) do if l:find(sbx.sandbox_id, 1, true) then vim.api.nvim_win_set_cursor(0, { i, 0 }) end end
  vim.api.nvim_feedkeys("x", "x", false)
  vim.wait(20000, function() return not has_line(lines("e2b://sandboxes"), vim.pesc(sbx.sandbox_id)) end, 50)
  check("x killed the sandbox and refreshed the list", not has_line(lines("e2b://sandboxes"), vim.pesc(sbx.sandbox_id)), vim.inspect(lines("e2b://sandboxes")))
  check("session forgot the killed sandbox", plugin.state.sandbox == nil, tostring(plugin.state.sandbox))
  vim.wait(3000, function() return client():active() == 0 end, 20)
  check("nothing in flight at the end", client():active() == 0, client():active())
end

local ok, err = xpcall(main, debug.traceback)
if not ok then failed = failed + 1 out("not ok - test raised: " .. tostring(err)) end
pcall(function() require("e2b_nvim").shutdown(5) end)
out(failed == 0 and "# all passed" or ("# " .. failed .. " failed"))
vim.cmd(failed == 0 and "qall!" or "cquit 1")
