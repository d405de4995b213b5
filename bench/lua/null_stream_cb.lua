-- Null server: one command streaming BENCH_NULL_STREAM_BYTES of stdout through on_stdout.
-- keep_output = false where the SDK has it (a streaming consumer's choice; "kept" says which).
-- Without the opt-out the SDK's default bound on kept output applies (Commands.MAX_OUTPUT).
-- The callback counts bytes and checks the first line; the full content is checked by
-- null_stream_keep (same decoding path, written out and hashed by run.sh).
local B = require("common")
local bytes = assert(tonumber(os.getenv("BENCH_NULL_STREAM_BYTES")))
local LINE = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n"
B.main(function()
  B.with_sandbox(function(sbx)
    local opt_out = pcall(sbx.commands.run, sbx.commands, "echo hi", { keep_output = false })
    local n, first = 0, nil
    local function on_stdout(d)
      if not first then first = d:sub(1, 64) end
      n = n + #d
    end
    local t0, c0 = B.now_ms(), B.cpu_s()
    local opts = { on_stdout = on_stdout, timeout = 300 }
    if opt_out then opts.keep_output = false end -- (not `opt_out and false or nil`: that is always nil)
    local r = sbx.commands:run("nullbench-stream " .. bytes, opts)
    local t1, c1 = B.now_ms(), B.cpu_s()
    B.check(n == bytes, "on_stdout got " .. n .. " bytes, want " .. bytes)
    B.check(first == LINE:sub(1, #first) and #first > 0, "first chunk differs")
    B.check(r.exit_code == 0, "exit code " .. tostring(r.exit_code))
    B.emit_rate(bytes, t0, c0, t1, c1)
    B.emit("kept", opt_out and 0 or 1)
  end)
end)
