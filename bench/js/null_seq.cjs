// Null server: BENCH_SEQ_CALLS sequential commands.run('echo hi') on one sandbox; ops/s and the
// client's CPU per call (process.cpuUsage).
const B = require('./common.cjs');
const n = Number(process.env.BENCH_SEQ_CALLS);
B.main(() => B.withSandbox(async (sbx) => {
  const t0 = B.now(), c0 = B.cpuS();
  for (let i = 0; i < n; i++) {
    const r = await sbx.commands.run('echo hi');
    if (r.stdout !== 'hi\n') B.check(false, `echo hi printed ${JSON.stringify(r.stdout)}`);
  }
  const t1 = B.now(), c1 = B.cpuS();
  B.emit('ops_s', n / ((t1 - t0) / 1000));
  B.emit('cpu_us_per_call', (c1 - c0) / n * 1e6);
}));
