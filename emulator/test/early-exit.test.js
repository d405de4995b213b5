'use strict';
// A command that exits before envd learned its in-sandbox pid keeps all its output. Under CPU
// load the exit can be handled before the pid report; Node then resumes stdout/stderr that have no
// 'data' listener yet (child_process flushStdio) and the bytes were thrown away: '' / '' / exit 0.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Sandbox } = require('e2b');
const { startSandboxWithEnvd } = require('../src/envd/standalone');

let env;
let sbx;

test.before(async () => {
  env = await startSandboxWithEnvd({});
  // Seam: hold every pid report until the process has exited and Node has handled that exit.
  const spawn = env.sandbox.spawn.bind(env.sandbox);
  env.sandbox.spawn = (opts) => {
    const child = spawn(opts);
    const ready = child.ready;
    child.ready = new Promise((resolve) => {
      const go = () => setTimeout(() => resolve(ready), 50);
      if (child.exited) go(); else child.once('exit', go);
    });
    return child;
  };
  sbx = await Sandbox.create({ debug: true, sandboxUrl: env.url, apiKey: 'e2b_' + '0'.repeat(40) });
});
test.after(async () => { await env.close(); });

test('output of a process that exited before its pid was known is delivered', { timeout: 20000 }, async () => {
  const runs = [];
  for (let i = 1; i <= 10; i++) runs.push(sbx.commands.run(`echo out${i}; head -c ${i * 1000} /dev/zero | tr '\\0' x; echo err${i} >&2`));
  const results = await Promise.all(runs);
  results.forEach((r, k) => {
    const i = k + 1;
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, `out${i}\n` + 'x'.repeat(i * 1000), `cmd ${i} stdout`);
    assert.equal(r.stderr, `err${i}\n`, `cmd ${i} stderr`);
  });
  const p = await sbx.commands.run('exit 3').catch((e) => e);
  assert.equal(p.exitCode, 3);
});
