// Shared by the JS bench scripts: the official SDK from emulator/node_modules, result lines,
// checks, a sandbox that is always killed. Results: "result <metric> <value>" lines on stdout.
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { Sandbox } = require(path.join(__dirname, '..', '..', 'emulator', 'node_modules', 'e2b'));

const now = () => performance.now();
// user + system CPU seconds of this process so far (all its threads)
const cpuS = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const emit = (metric, value) => process.stdout.write(`result ${metric} ${value.toFixed(3)}\n`);

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

module.exports = { Sandbox, now, cpuS, emit, check, withSandbox, main };
