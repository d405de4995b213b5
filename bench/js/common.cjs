// Shared by the JS bench scripts: the official SDK from emulator/node_modules, result lines,
// checks, a sandbox that is always killed. Results: "result <metric> <value>" lines on stdout.
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { Sandbox } = require(path.join(__dirname, '..', '..', 'emulator', 'node_modules', 'e2b'));

const now = () => performance.now();
// user + system CPU seconds of this process so far (all its threads)
const cpuS = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const emit = (metric, value) => process.stdout.write(`result ${metric} ${value.toFixed(3)}\n`);
// The two figures of a transfer of `bytes` timed from (t0 ms, c0 CPU s) to (t1, c1).
function emitRate(bytes, t0, c0, t1, c1) {
  emit('MBps', bytes / 1e6 / ((t1 - t0) / 1000));
  emit('cpu_s_per_GB', (c1 - c0) / (bytes / 1e9));
}
// The null server's file scenarios (N6, N7): size, repeats per process, the sandbox path.
function nullFile() {
  const bytes = Number(process.env.BENCH_NULL_FILE_BYTES);
  return { bytes, repeats: Number(process.env.BENCH_NULL_FILE_REPEATS || 1), path: `/home/user/null-${bytes}.bin` };
}

// A wrong answer must fail the run, never post a time.
function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function withSandbox(fn) {
  const sbx = await Sandbox.create({ timeoutMs: 600_000 });
  try {
    await fn(sbx);
  } finally {
    await sbx.kill().catch(() => {});
  }
}

function main(fn) {
  fn().catch((err) => {
    process.stderr.write(`bench failed: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });
}

module.exports = { Sandbox, now, cpuS, emit, emitRate, nullFile, check, withSandbox, main };
