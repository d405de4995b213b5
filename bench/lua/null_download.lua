-- Null server: download BENCH_NULL_FILE_BYTES into local files, streamed to disk
-- (`{ to_file = ... }`), BENCH_NULL_FILE_REPEATS times on one sandbox (one sample each), the k-th
-- into BENCH_OUT.k (a new file: none of them exists before). run.sh checks every file's SHA-256
-- against the server's bytes afterwards.
local B = require("common")
local bytes, repeats, path = B.null_file()
local out = assert(os.getenv("BENCH_OUT"))
B.main(function()
  B.with_sandbox(function(sbx)
    for k = 1, repeats do
      local target = out .. "." .. k
      local t0, c0 = B.now_ms(), B.cpu_s()
      local got = sbx.files:read(path, { to_file = target })
      local t1, c1 = B.now_ms(), B.cpu_s()
      B.check(got == target, "read answered " .. tostring(got))
      local size = assert(io.open(target, "rb")):seek("end")
      B.check(size == bytes, "downloaded " .. size .. " bytes, want " .. bytes)
      B.emit_rate(bytes, t0, c0, t1, c1)
    end
  end)
end)
