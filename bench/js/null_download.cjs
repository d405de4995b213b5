// Null server: download BENCH_NULL_FILE_BYTES into local files as a user saving a big file would:
// files.read(..., { format: 'stream' }) piped into fs.createWriteStream, BENCH_NULL_FILE_REPEATS
// times on one sandbox (one sample each), the k-th into BENCH_OUT.k (a new file). run.sh checks
// every file's SHA-256 against the server's bytes afterwards.
const fs = require('node:fs');
const { Readable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const B = require('./common.cjs');
const { bytes, repeats, path } = B.nullFile();
const out = process.env.BENCH_OUT;
B.main(() => B.withSandbox(async (sbx) => {
  for (let k = 1; k <= repeats; k++) {
    const target = `${out}.${k}`;
    const t0 = B.now(), c0 = B.cpuS();
    const stream = await sbx.files.read(path, { format: 'stream' });
    await pipeline(Readable.fromWeb(stream), fs.createWriteStream(target));
    const t1 = B.now(), c1 = B.cpuS();
    const size = fs.statSync(target).size;
    B.check(size === bytes, `downloaded ${size} bytes, want ${bytes}`);
    B.emitRate(bytes, t0, c0, t1, c1);
  }
}));
