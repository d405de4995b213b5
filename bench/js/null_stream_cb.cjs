// Null server: one command streaming BENCH_NULL_STREAM_BYTES of stdout through onStdout. The JS
// SDK has no opt-out: it also keeps the output for the result (kept = 1). The callback counts
// UTF-8 bytes and checks the first line.
const B = require('./common.cjs');
const bytes = Number(process.env.BENCH_NULL_STREAM_BYTES);
const LINE = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n';
B.main(() => B.withSandbox(async (sbx) => {
  let n = 0, first = null;
  const onStdout = (d) => { if (first === null) first = d.slice(0, 64); n += Buffer.byteLength(d); };
  const t0 = B.now(), c0 = B.cpuS();
  const r = await sbx.commands.run(`nullbench-stream ${bytes}`, { onStdout, timeoutMs: 300_000 });
  const t1 = B.now(), c1 = B.cpuS();
  B.check(n === bytes, `onStdout got ${n} bytes, want ${bytes}`);
  B.check(first && LINE.startsWith(first), 'first chunk differs');
  B.check(r.exitCode === 0, `exit code ${r.exitCode}`);
  B.emitRate(bytes, t0, c0, t1, c1);
  B.emit('kept', 1);
}));
