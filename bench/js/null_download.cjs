// Null server: download BENCH_NULL_FILE_BYTES into local files as a user saving a big file would:
// files.read(..., { format: 'stream' }) piped into fs.createWriteStream, BENCH_NULL_FILE_REPEATS
// times on one sandbox (one sample each), the k-th into BENCH_OUT.k (a new file). run.sh checks
// every file's SHA-256 against the server's bytes afterwards.
const fs = require('node:fs');
const { Readable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const B = require('./common.cjs');
const bytes = Number(process.env.BENCH_NULL_FILE_BYTES);
const repeats = Number(process.env.BENCH_NULL_FILE_REPEATS || 1);
const out = process.env.BENCH_OUT;
const path = `/home/user/null-${bytes}.bin`;
B.main(() => B.withSandbox(async (sbx) => {
  for (let k = 1; k <= repeats; k++) {
    const target = `${out}.${k}`;
    const t0 = B.now(), c0 = B.cpuS();
    const stream = await sbx.files.read(path, { format: 'stream' });
    await pipeline(Readable.fromWeb(stream), fs.createWriteStream(target));
    const t1 = B.now(), c1 = B.cpuS();
    const size = fs.statSync(target).size;
    B.check(size === bytes, `downloaded ${size} bytes, want ${bytes}`);
    B.emit('MBps', bytes / 1e6 / ((t1 - t0) / 1000));
    B.emit('cpu_s_per_GB', (c1 - c0) / (bytes / 1e9));
  }
}));
