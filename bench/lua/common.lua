-- Shared by the Lua bench scripts: clock, result lines, checks, a sandbox that is always killed.
-- Results go to stdout as "result <metric> <value>" lines (bench/run.sh collects them).
local e2b = require("e2b")
local clock = require("benchclock")

local M = { now_ms = clock.now_ms, cpu_s = clock.cpu_s, e2b = e2b }

function M.emit(metric, value)
  io.stdout:write(("result %s %.3f\n"):format(metric, value))
end

-- The two figures of a transfer of `bytes` timed from (t0 ms, c0 CPU s) to (t1, c1).
function M.emit_rate(bytes, t0, c0, t1, c1)
  M.emit("MBps", bytes / 1e6 / ((t1 - t0) / 1000))
  M.emit("cpu_s_per_GB", (c1 - c0) / (bytes / 1e9))
end

-- The null server's file scenarios (N6, N7): size, repeats per process, the sandbox path.
function M.null_file()
  local bytes = assert(tonumber(os.getenv("BENCH_NULL_FILE_BYTES")))
  return bytes, tonumber(os.getenv("BENCH_NULL_FILE_REPEATS") or "1"), ("/home/user/null-%d.bin"):format(bytes)
end

-- Keep a whole `bytes` of output in the result: the SDK keeps only the last Commands.MAX_OUTPUT
-- bytes (16 MiB) by default; a benchmark keeping more raises it, as a user would.
function M.keep_output_up_to(bytes)
  local commands = require("e2b.commands")
  if commands.MAX_OUTPUT and commands.MAX_OUTPUT < bytes then commands.MAX_OUTPUT = bytes end
end

-- A wrong answer must fail the run, never post a time.
function M.check(cond, what)
  if not cond then error("check failed: " .. what, 2) end
end

-- Run fn(sbx) on a fresh sandbox and kill it whatever happens.
function M.with_sandbox(fn)
  local sbx = e2b.Sandbox.create({ timeout = 600 })
  local ok, err = pcall(fn, sbx)
  pcall(sbx.kill, sbx)
  if not ok then error(err, 0) end
end

-- Entry point: a failure prints the reason on stderr and exits non-zero.
function M.main(fn)
  local ok, err = pcall(fn)
  if not ok then
    io.stderr:write("bench failed: ", tostring(err), "\n")
    os.exit(1)
  end
end

return M
