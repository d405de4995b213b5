-- Null server: upload BENCH_NULL_FILE_BYTES from the local file BENCH_NULL_SRC, streamed from disk
-- (`{ from_file = ... }`), BENCH_NULL_FILE_REPEATS times on one sandbox (one sample each: at
-- ~2 GB/s one upload is a fraction of a second, too short for one sample to say much on a shared
-- machine). The server checks every byte against its pattern and answers 400 if one differs (the
-- SDK raises then); each answer's path is checked here.
local B = require("common")
local bytes, repeats, path = B.null_file()
local src = assert(os.getenv("BENCH_NULL_SRC"))
B.main(function()
  B.with_sandbox(function(sbx)
    for _ = 1, repeats do
      local t0, c0 = B.now_ms(), B.cpu_s()
      local info = sbx.files:write(path, { from_file = src })
      local t1, c1 = B.now_ms(), B.cpu_s()
      B.check(info.path == path, "write answered path " .. tostring(info.path))
      B.emit_rate(bytes, t0, c0, t1, c1)
    end
  end)
end)
