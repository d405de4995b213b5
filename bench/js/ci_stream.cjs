// Scenario 7: a cell printing BENCH_CI_STREAM_BYTES of stdout (lines of 1 KiB); throughput. The
// output (logs.stdout joined) goes to BENCH_OUT after the clock stops; run.sh checks its checksum.
const fs = require('node:fs');
const path = require('node:path');
const B = require('./common.cjs');
const { Sandbox } = require(path.join(__dirname, '..', '..', 'emulator', 'node_modules', '@e2b', 'code-interpreter'));
const bytes = Number(process.env.BENCH_CI_STREAM_BYTES);
B.main(async () => {
  const sbx = await Sandbox.create({ timeoutMs: 600_000 });
  try {
    B.check((await sbx.runCode('1+1')).text === '2', 'warm-up cell');
    const code = "import sys\nline = '0123456789abcdef' * 63 + '0123456789abcde\\n'\n" +
      `for _ in range(${Math.floor(bytes / 1024)}):\n    sys.stdout.write(line)\nsys.stdout.flush()`;
    const t0 = B.now();
    const ex = await sbx.runCode(code, { timeoutMs: 300_000 });
    const t1 = B.now();
    B.check(!ex.error, `the cell failed: ${ex.error && ex.error.name}`);
    const buf = Buffer.from(ex.logs.stdout.join(''), 'utf8');
    B.check(buf.length === bytes, `stdout has ${buf.length} bytes, want ${bytes}`);
    fs.writeFileSync(process.env.BENCH_OUT, buf);
    B.emit('MBps', bytes / 1048576 / ((t1 - t0) / 1000));
  } finally {
    await sbx.kill().catch(() => {});
  }
});
