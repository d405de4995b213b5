// Scenario 6: code interpreter round trip: runCode('1+1') on a warm default context, 30 times one
// after the other on one sandbox (its creation and the first cell are not timed); one sample per cell.
const path = require('node:path');
const B = require('./common.cjs');
const { Sandbox } = require(path.join(__dirname, '..', '..', 'emulator', 'node_modules', '@e2b', 'code-interpreter'));
B.main(async () => {
  const sbx = await Sandbox.create({ timeoutMs: 600_000 });
  try {
    B.check((await sbx.runCode('1+1')).text === '2', 'warm-up cell');
    for (let i = 0; i < 30; i++) {
      const t0 = B.now();
      const ex = await sbx.runCode('1+1');
      const t1 = B.now();
      B.check(ex.text === '2' && !ex.error, `1+1 gave ${ex.text}`);
      B.emit('run_ms', t1 - t0);
    }
  } finally {
    await sbx.kill().catch(() => {});
  }
});
