// Null server: upload BENCH_NULL_FILE_BYTES from the local file BENCH_NULL_SRC the way the SDK's
// docs show it (the file's bytes read with fs.readFileSync, then files.write; the SDK sends a
// Buffer as multipart/form-data), BENCH_NULL_FILE_REPEATS times on one sandbox (one sample each).
// The server checks every byte and answers 400 if one differs.
const fs = require('node:fs');
const B = require('./common.cjs');
const { bytes, repeats, path } = B.nullFile();
const src = process.env.BENCH_NULL_SRC;
B.main(() => B.withSandbox(async (sbx) => {
  for (let k = 1; k <= repeats; k++) {
    const t0 = B.now(), c0 = B.cpuS();
    const info = await sbx.files.write(path, fs.readFileSync(src));
    const t1 = B.now(), c1 = B.cpuS();
    B.check(info.path === path, `write answered path ${info.path}`);
    B.emitRate(bytes, t0, c0, t1, c1);
  }
}));
