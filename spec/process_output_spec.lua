-- Process output end to end against the emulator: the bytes a command writes arrive unchanged
-- (SHA-256 of what was written vs. what the result, the callbacks and the events hold), for sizes
-- around every chunk boundary of the way (envd's 32 KiB reads, the core's runs and 1 MiB
-- backpressure), stdout and stderr interleaved, any byte value; and keep_output = false.
local e2e = require("spec.support.e2e")
local core = require("e2b.core")

local function hex(s) return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end)) end
local function sha(s) return hex(core.sha256(s)) end

-- n deterministic bytes of every value (an LCG, so a failure reproduces), not valid UTF-8
local function bytes(n, seed)
  local block, x = {}, seed
  for i = 1, math.min(n, 65521) do
    x = (x * 69069 + 1) % 4294967296
    block[i] = string.char(math.floor(x / 16777216))
  end
  local b = table.concat(block)
  if n <= #b then return b:sub(1, n) end
  local parts, have = {}, 0
  while have < n do   -- rotate the block so repeats do not line up with chunk boundaries
    local k = have % #b
    local piece = b:sub(k + 1) .. b:sub(1, k)
    parts[#parts + 1] = piece
    have = have + #piece
  end
  return table.concat(parts):sub(1, n)
end

describe("process output (end to end)", function()
  before_each(function() e2e.require_emulator() end)

  it("streams every byte unchanged for sizes across chunk boundaries, stdout and stderr interleaved", function()
    local sbx = e2e.sandbox(finally)
    local sizes = { 0, 1, 3, 4, 8191, 65535, 65536, 65537, 3 * 1048576 + 7 }
    for i, n in ipairs(sizes) do
      local out, err = bytes(n, i), bytes(math.floor(n / 2) + 1, 1000 + i)
      local h1, h2 = math.floor(n / 3), math.floor(#err / 2)
      sbx.files:write("/tmp/o1", out:sub(1, h1))
      sbx.files:write("/tmp/o2", out:sub(h1 + 1))
      sbx.files:write("/tmp/e1", err:sub(1, h2))
      sbx.files:write("/tmp/e2", err:sub(h2 + 1))
      local cb_out, cb_err = {}, {}
      local r = sbx.commands:run("cat /tmp/o1; cat /tmp/e1 >&2; cat /tmp/o2; cat /tmp/e2 >&2", {
        on_stdout = function(s) cb_out[#cb_out + 1] = s end, on_stderr = function(s) cb_err[#cb_err + 1] = s end })
      local ctx = "size " .. n
      assert.are.equal(n, #r.stdout, ctx)
      assert.are.equal(sha(out), sha(r.stdout), ctx)
      assert.are.equal(sha(err), sha(r.stderr), ctx)
      assert.are.equal(sha(out), sha(table.concat(cb_out)), ctx)
      assert.are.equal(sha(err), sha(table.concat(cb_err)), ctx)
      -- the same through the events of a background handle
      local h = sbx.commands:run("cat /tmp/o1; cat /tmp/e1 >&2; cat /tmp/o2; cat /tmp/e2 >&2", { background = true })
      local ev_out, ev_err, exit = {}, {}, nil
      for ev in h:events() do
        if ev.type == "stdout" then ev_out[#ev_out + 1] = ev.data
        elseif ev.type == "stderr" then ev_err[#ev_err + 1] = ev.data
        else exit = ev end
      end
      assert.are.equal(0, exit.exit_code, ctx)
      assert.are.equal(sha(out), sha(table.concat(ev_out)), ctx)
      assert.are.equal(sha(err), sha(table.concat(ev_err)), ctx)
    end
  end)

  it("keep_output = false streams everything to the callbacks and keeps nothing", function()
    local sbx = e2e.sandbox(finally)
    local n = 2 * 1048576 + 3
    local got, got_err = {}, {}
    local r = sbx.commands:run(("head -c %d /dev/zero | tr '\\0' x; echo oops >&2"):format(n), {
      keep_output = false, on_stdout = function(s) got[#got + 1] = s end, on_stderr = function(s) got_err[#got_err + 1] = s end })
    assert.are.same({ stdout = "", stderr = "", exit_code = 0 }, r)
    assert.are.equal(sha(string.rep("x", n)), sha(table.concat(got)))
    assert.are.equal("oops\n", table.concat(got_err))
    -- a failing command: the error carries no output either, the callbacks saw it
    local seen = {}
    local ok, e = pcall(sbx.commands.run, sbx.commands, "echo out; echo bad >&2; exit 2",
      { keep_output = false, on_stderr = function(s) seen[#seen + 1] = s end })
    assert.is_false(ok)
    assert.are.same({ "CommandExitError", 2, "", "" }, { e.name, e.exit_code, e.stdout, e.stderr })
    assert.are.equal("bad\n", table.concat(seen))
    -- connect() takes it too; a wrong type is named
    local h = sbx.commands:run("sleep 0.3; echo late", { background = true })
    assert.are.same({ stdout = "", stderr = "", exit_code = 0 }, sbx.commands:connect(h.pid, { keep_output = false }):wait())
    local bad = select(2, pcall(sbx.commands.run, sbx.commands, "true", { keep_output = "no" }))
    assert.are.equal("InvalidArgumentError", bad.name)
    assert.matches("keep_output", bad.message, 1, true)
  end)
end)
