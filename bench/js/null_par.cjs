// Null server: BENCH_PAR_BATCHES x BENCH_PAR_N concurrent `echo i` on one sandbox (Promise.all);
// calls/s and the client's CPU per call.
const B = require('./common.cjs');
const n = Number(process.env.BENCH_PAR_N), batches = Number(process.env.BENCH_PAR_BATCHES);
B.main(() => B.withSandbox(async (sbx) => {
  const t0 = B.now(), c0 = B.cpuS();
  for (let b = 0; b < batches; b++) {
    const rs = await Promise.all(Array.from({ length: n }, (_, k) => sbx.commands.run(`echo ${k + 1}`)));
    rs.forEach((r, k) => B.check(r.stdout === `${k + 1}\n`, `command ${k + 1} printed ${JSON.stringify(r.stdout)}`));
  }
  const t1 = B.now(), c1 = B.cpuS();
  B.emit('ops_s', n * batches / ((t1 - t0) / 1000));
  B.emit('cpu_us_per_call', (c1 - c0) / (n * batches) * 1e6);
}));
