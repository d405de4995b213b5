'use strict';
// Lifecycle: pause/resume keep files and processes, timeouts kill or pause, SIGTERM cleans up.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { Sandbox } = require('e2b');
const { startEmulator, sdkOpts, api, envd, waitFor } = require('./helpers');

let emu;
let stateDir;
before(async () => {
  stateDir = fs.mkdtempSync('/tmp/e2b-emu-lifecycle-') + '/state';
  emu = await startEmulator({ args: ['--state-dir', stateDir] });
});
after(async () => {
  await emu.stop();
  fs.rmSync(path.dirname(stateDir), { recursive: true, force: true }); // the mkdtemp parent
});

test('pause freezes processes, connect resumes them; files survive', { timeout: 30000 }, async () => {
  const sbx = await Sandbox.create('base', sdkOpts(emu, { timeoutMs: 60000 }));
  await sbx.files.write('/home/user/keep.txt', 'kept');
  // A counter that only advances while the sandbox runs. It replaces the file by rename, so a
  // read never meets it truncated (`echo > f` empties the file before writing it).
  await sbx.commands.run('i=0; while true; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.05; done',
    { background: true, timeoutMs: 0 });
  await waitFor(async () => Number((await sbx.files.read('/tmp/count').catch(() => '0')).trim()) > 2);
  assert.equal(await sbx.isRunning(), true);
  assert.equal(await sbx.pause(), true);
  assert.equal(await sbx.isRunning(), false, 'envd of a paused sandbox answers 502');
  assert.equal((await sbx.getInfo()).state, 'paused');
  assert.equal(await Sandbox.pause(sbx.sandboxId, sdkOpts(emu)), false, '409 already paused');
  const listed = await api(emu, 'GET', '/v2/sandboxes?state=paused');
  assert.ok(listed.body.some((s) => s.sandboxID === sbx.sandboxId));
  await new Promise((r) => setTimeout(r, 300));

  const r = await api(emu, 'POST', `/v2/sandboxes/${sbx.sandboxId}/connect`, { timeout: 60 });
  assert.equal(r.status, 201, 'connect resumes a paused sandbox');
  const frozen = Number((await sbx.files.read('/tmp/count')).trim());
  await new Promise((r2) => setTimeout(r2, 400));
  const later = Number((await sbx.files.read('/tmp/count')).trim());
  assert.ok(later > frozen, `the same process keeps counting after resume (${frozen} -> ${later})`);
  assert.equal(await sbx.files.read('/home/user/keep.txt'), 'kept');
  const again = await Sandbox.connect(sbx.sandboxId, sdkOpts(emu));
  assert.equal(await again.isRunning(), true);
  await sbx.kill();
  assert.equal(await sbx.isRunning(), false);
});

test('users are real and different; sandboxes do not share /tmp or see host files', { timeout: 30000 }, async () => {
  const a = await Sandbox.create('base', sdkOpts(emu));
  const b = await Sandbox.create('base', sdkOpts(emu));
  const who = await a.commands.run('id -un; echo $HOME; id -u');
  assert.equal(who.stdout, 'user\n/home/user\n1000\n');
  const root = await a.commands.run('id -un; echo $HOME', { user: 'root' });
  assert.equal(root.stdout, 'root\n/root\n');
  const denied = await a.commands.run('touch /root/x').catch((e) => e);
  assert.equal(denied.exitCode, 1);
  assert.match(denied.stderr, /Permission denied/);
  await a.commands.run('echo secret > /tmp/only-a');
  const seen = await b.commands.run('ls /tmp/only-a', {}).catch((e) => e);
  assert.equal(seen.exitCode, 2, 'b does not see a\'s /tmp');
  const host = await a.commands.run(`test -e ${stateDir} && echo visible || echo hidden`);
  assert.equal(host.stdout, 'hidden\n');
  await a.kill();
  await b.kill();
});

test('timeout kills, or pauses with lifecycle onTimeout pause', { timeout: 30000 }, async () => {
  const k = await Sandbox.create('base', sdkOpts(emu, { timeoutMs: 1000 }));
  const p = await Sandbox.create('base', sdkOpts(emu, { timeoutMs: 1000, lifecycle: { onTimeout: 'pause' } }));
  assert.equal((await p.getInfo()).lifecycle.onTimeout, 'pause');
  await waitFor(async () => (await api(emu, 'GET', `/sandboxes/${k.sandboxId}`)).status === 404, { timeoutMs: 5000 });
  await waitFor(async () => (await api(emu, 'GET', `/sandboxes/${p.sandboxId}`)).body.state === 'paused', { timeoutMs: 5000 });
  assert.equal(fs.existsSync(`${stateDir}/sandboxes/${k.sandboxId}`), false, 'a killed sandbox leaves no files');
  assert.equal((await envd(emu, k.sandboxId, '/health')).status, 502);
  const back = await Sandbox.connect(p.sandboxId, sdkOpts(emu, { timeoutMs: 60000 }));
  assert.equal(await back.isRunning(), true);
  await back.kill();
});

test('SIGTERM kills every sandbox and removes the state dir', { timeout: 30000 }, async () => {
  const own = await startEmulator();
  const sbx = await Sandbox.create('base', sdkOpts(own));
  await sbx.commands.run('sleep 1000', { background: true, timeoutMs: 0 });
  const sleepers = () => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'sleep\u00001000\u0000'; } catch { return false; }
  });
  const pidsBefore = await waitFor(() => { const s = sleepers(); return s.length ? s : null; });
  assert.ok(fs.existsSync(own.stateDir), 'the ready line names its state dir');
  await own.stop();
  assert.equal(own.child.exitCode, 0);
  // Dead means gone, or a zombie left for the host's init to reap.
  const alive = (p) => { try { return !/\) Z /.test(fs.readFileSync(`/proc/${p}/stat`, 'utf8')); } catch { return false; } };
  for (const p of pidsBefore) assert.equal(alive(p), false, `process ${p} is dead`);
  // Its own dir, not a count of /tmp/e2b-emulator-*: other emulators come and go meanwhile.
  assert.equal(fs.existsSync(own.stateDir), false, 'its state dir was removed');
});
