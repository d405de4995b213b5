// Null server: one command printing BENCH_NULL_STREAM_BYTES, the whole stdout kept in the result.
// Saved to BENCH_OUT after the clock stops; run.sh checks its SHA-256.
const fs = require('node:fs');
const B = require('./common.cjs');
const bytes = Number(process.env.BENCH_NULL_STREAM_BYTES);
B.main(() => B.withSandbox(async (sbx) => {
  const t0 = B.now(), c0 = B.cpuS();
  const r = await sbx.commands.run(`nullbench-stream ${bytes}`, { timeoutMs: 300_000 });
  const t1 = B.now(), c1 = B.cpuS();
  const buf = Buffer.from(r.stdout, 'utf8');
  B.check(buf.length === bytes, `stdout has ${buf.length} bytes, want ${bytes}`);
  fs.writeFileSync(process.env.BENCH_OUT, buf);
  B.emitRate(bytes, t0, c0, t1, c1);
}));
