'use strict';
// Template builds through the official `e2b` package's Template.build: files link + upload
// (cached by hash: a second build skips it), steps really run in a build sandbox, the result is
// a template Sandbox.create starts from; BuildError names the failing step; exists, tags, list,
// update, delete.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Sandbox, Template, BuildError, waitForPort } = require('e2b');
const { startEmulator, sdkOpts, api } = require('./helpers');

let emu;
let ctxDir;
before(async () => {
  emu = await startEmulator();
  ctxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2b-tpl-ctx-'));
  fs.mkdirSync(path.join(ctxDir, 'app', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(ctxDir, 'app', 'index.html'), '<h1>from the template</h1>\n');
  fs.writeFileSync(path.join(ctxDir, 'app', 'sub', 'tool.sh'), '#!/bin/sh\necho tool says $1\n', { mode: 0o755 });
  fs.writeFileSync(path.join(ctxDir, 'notes.txt'), 'one file\n');
});
after(async () => {
  await emu.stop();
  fs.rmSync(ctxDir, { recursive: true, force: true });
});

function appTemplate() {
  return Template({ fileContextPath: ctxDir })
    .fromBaseImage()
    .copy('app', '/home/user/site')
    .copy('notes.txt', '/home/user/notes/')
    .runCmd('mkdir -p /home/user/bin && cp /home/user/site/sub/tool.sh /home/user/bin/tool && echo built > /home/user/built.txt')
    .setEnvs({ GREETING: 'hello', TOOL_HOME: '/home/user/bin' })
    .setEnvs({ LONG: '$GREETING world' }) // expanded by the shell, earlier ENVs visible
    .runCmd('echo "$LONG from $TOOL_HOME" > /home/user/env-at-build.txt')
    .setWorkdir('/home/user/site')
    .setStartCmd('python3 -m http.server 8000', waitForPort(8000));
}

test('Template.build: copy, runCmd, setEnvs, setWorkdir, setStartCmd + waitForPort; Sandbox.create from it', { timeout: 120000 }, async () => {
  const logs = [];
  const info = await Template.build(appTemplate(), 'web-app', sdkOpts(emu, { onBuildLogs: (l) => logs.push(l) }));
  assert.equal(info.name, 'web-app');
  assert.match(info.templateId, /^[a-z0-9]+$/);
  assert.match(info.buildId, /^[0-9a-f-]{36}$/);
  const text = logs.map((l) => l.message);
  assert.ok(text.some((m) => m.includes('Uploaded')), 'the files were uploaded');
  assert.ok(text.some((m) => m.startsWith('[builder 1/')), text.join('\n'));
  assert.ok(text.some((m) => m === 'Template is ready'), text.join('\n'));
  assert.equal(await Template.exists('web-app', sdkOpts(emu)), true);
  assert.equal(await Template.exists('no-such-template', sdkOpts(emu)), false);

  const sbx = await Sandbox.create('web-app', sdkOpts(emu, { timeoutMs: 60000 }));
  try {
    assert.equal(await sbx.files.read('/home/user/site/index.html'), '<h1>from the template</h1>\n');
    assert.equal(await sbx.files.read('/home/user/notes/notes.txt'), 'one file\n');
    assert.equal(await sbx.files.read('/home/user/env-at-build.txt'), 'hello world from /home/user/bin\n');
    const r = await sbx.commands.run('echo "$LONG|$TOOL_HOME|$(pwd)|$(whoami)"; /home/user/bin/tool x; stat -c %U /home/user/site/index.html');
    assert.equal(r.stdout, 'hello world|/home/user/bin|/home/user/site|user\ntool says x\nuser\n');
    // The start command runs: the server answers from the workdir.
    const page = await sbx.commands.run('curl -s http://127.0.0.1:8000/index.html');
    assert.equal(page.stdout, '<h1>from the template</h1>\n');
    const procs = await sbx.commands.list();
    assert.ok(procs.some((p) => p.cmd === '/bin/bash' && p.args.includes('python3 -m http.server 8000')), 'the start command is an envd process');
  } finally { await sbx.kill(); }

  // A second build of the same files skips the upload (stored by hash).
  const logs2 = [];
  await Template.build(appTemplate(), 'web-app', sdkOpts(emu, { onBuildLogs: (l) => logs2.push(l.message) }));
  assert.equal(logs2.filter((m) => m.includes('already cached')).length, 2, logs2.join('\n'));
  assert.ok(!logs2.some((m) => m.includes('Uploaded')));
  // …and every step is a layer cache hit; the result is the same template.
  assert.equal(logs2.filter((m) => /^CACHED \[builder \d\/7\] /.test(m)).length, 7, logs2.join('\n'));
  const again = await Sandbox.create('web-app', sdkOpts(emu, { timeoutMs: 60000 }));
  try {
    assert.equal((await again.commands.run('cat /home/user/built.txt; echo $LONG; pwd')).stdout, 'built\nhello world\n/home/user/site\n');
  } finally { await again.kill(); }
  // A changed step re-runs from there on; skipCache re-runs everything.
  const logs3 = [];
  await Template.build(appTemplate().runCmd('echo extra > /home/user/extra.txt'), 'web-app', sdkOpts(emu, { onBuildLogs: (l) => logs3.push(l.message) }));
  assert.equal(logs3.filter((m) => m.startsWith('CACHED [builder')).length, 7, logs3.join('\n'));
  assert.ok(logs3.some((m) => /^\[builder 8\/8\] RUN echo extra/.test(m)));
  const logs4 = [];
  await Template.build(appTemplate(), 'web-app', sdkOpts(emu, { skipCache: true, onBuildLogs: (l) => logs4.push(l.message) }));
  assert.ok(!logs4.some((m) => m.startsWith('CACHED')), logs4.join('\n'));
});

test('a failing step is a BuildError naming it; the status has reason.step; logs page to an empty end', { timeout: 60000 }, async () => {
  const tpl = Template().fromBaseImage().runCmd('echo fine').runCmd('echo about to fail; exit 3').runCmd('echo never');
  await assert.rejects(Template.build(tpl, 'broken', sdkOpts(emu)), (e) => {
    assert.ok(e instanceof BuildError, String(e));
    assert.match(e.message, /exit status 3/);
    return true;
  });
  const bg = await Template.buildInBackground(tpl, 'broken', sdkOpts(emu));
  let st;
  for (let i = 0; i < 100; i++) {
    st = await api(emu, 'GET', `/templates/${bg.templateId}/builds/${bg.buildId}/status`);
    if (st.body.status === 'error') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(st.body.status, 'error');
  assert.equal(st.body.reason.step, '2');
  assert.match(st.body.reason.message, /exit status 3/);
  const n = st.body.logEntries.length;
  assert.ok(st.body.logEntries.some((e) => e.step === 'base') && st.body.logEntries.some((e) => e.step === '2'));
  assert.ok(st.body.logEntries.some((e) => e.message.includes('about to fail')));
  const page = await api(emu, 'GET', `/templates/${bg.templateId}/builds/${bg.buildId}/status?logsOffset=1&limit=2`);
  assert.deepEqual(page.body.logEntries, st.body.logEntries.slice(1, 3));
  const logs = await api(emu, 'GET', `/templates/${bg.templateId}/builds/${bg.buildId}/logs?level=error`);
  assert.ok(logs.body.logs.length > 0 && logs.body.logs.every((e) => e.level === 'error'));
  const back = await api(emu, 'GET', `/templates/${bg.templateId}/builds/${bg.buildId}/logs?direction=backward&limit=1`);
  assert.deepEqual(back.body.logs, [st.body.logEntries[n - 1]]);
  const end = await api(emu, 'GET', `/templates/${bg.templateId}/builds/${bg.buildId}/status?logsOffset=${n}`);
  assert.deepEqual(end.body.logEntries, []);
  assert.equal(await Template.exists('broken', sdkOpts(emu)), false, 'no ready build');
  await assert.rejects(Sandbox.create('broken', sdkOpts(emu)), /not found/i);
});

test('images the emulator cannot provide, and system installs, fail saying why', { timeout: 60000 }, async () => {
  await assert.rejects(Template.build(Template().fromImage('ubuntu:22.04').runCmd('true'), 'ubuntu-x', sdkOpts(emu)),
    (e) => e instanceof BuildError && /cannot provide image 'ubuntu:22.04'/.test(e.message));
  await assert.rejects(Template.build(Template().fromBaseImage().aptInstall(['cowsay']), 'apt-x', sdkOpts(emu)),
    (e) => e instanceof BuildError && /read-only/.test(e.message));
});

test('fromTemplate, setUser, tags, list, get, update, delete refused while in use', { timeout: 120000 }, async () => {
  await Template.build(Template().fromBaseImage().runCmd('echo base-layer > /home/user/layer1.txt').setEnvs({ LAYER: '1' }), 'layer-one', sdkOpts(emu));
  const two = Template().fromTemplate('layer-one').setUser('worker').runCmd('echo $LAYER $(whoami) > /home/worker/who.txt');
  const info = await Template.build(two, 'layer-two:v1', sdkOpts(emu, { tags: ['stable'] }));
  assert.deepEqual(info.tags.sort(), ['stable', 'v1']);
  const sbx = await Sandbox.create('layer-two:v1', sdkOpts(emu, { timeoutMs: 60000 }));
  try {
    const r = await sbx.commands.run('cat /home/user/layer1.txt /home/worker/who.txt; whoami');
    assert.equal(r.stdout, 'base-layer\n1 worker\nworker\n');
    const del = await api(emu, 'DELETE', `/templates/${info.templateId}`);
    assert.equal(del.status, 400);
    assert.match(del.body.message, /running sandboxes using it/);
  } finally { await sbx.kill(); }
  await assert.rejects(Sandbox.create('layer-two', sdkOpts(emu)), /not found/i, 'no default tag was built');
  const tags = await api(emu, 'GET', `/templates/${info.templateId}/tags`);
  assert.deepEqual(tags.body.map((t) => t.tag).sort(), ['stable', 'v1']);
  const assigned = await api(emu, 'POST', '/templates/tags', { target: 'layer-two:v1', tags: ['default'] });
  assert.equal(assigned.status, 201);
  assert.equal(assigned.body.buildID, info.buildId);
  const s2 = await Sandbox.create('layer-two', sdkOpts(emu, { timeoutMs: 60000 }));
  await s2.kill();
  assert.equal((await api(emu, 'DELETE', '/templates/tags', { name: 'layer-two', tags: ['stable'] })).status, 204);
  assert.deepEqual((await api(emu, 'GET', `/templates/${info.templateId}/tags`)).body.map((t) => t.tag).sort(), ['default', 'v1']);

  const list = await api(emu, 'GET', '/v2/templates');
  const mine = list.body.find((t) => t.templateID === info.templateId);
  assert.deepEqual(mine.names, ['emulator/layer-two']);
  assert.equal(mine.buildStatus, 'ready');
  assert.equal(mine.public, false);
  const got = await api(emu, 'GET', `/templates/${info.templateId}`);
  assert.equal(got.body.builds.length, 1);
  assert.equal(got.body.builds[0].status, 'ready');
  const up = await api(emu, 'PATCH', `/v2/templates/${info.templateId}`, { public: true });
  assert.deepEqual(up.body, { names: ['emulator/layer-two'] });
  assert.equal((await api(emu, 'GET', `/templates/aliases/layer-two`)).body.public, true);
  assert.equal((await api(emu, 'DELETE', `/templates/${info.templateId}`)).status, 204);
  assert.equal((await api(emu, 'DELETE', `/templates/${info.templateId}`)).status, 404);
  assert.equal(await Template.exists('layer-two', sdkOpts(emu)), false);
});

test('wire checks: bad names, hashes, build ids and states', async () => {
  assert.equal((await api(emu, 'POST', '/v3/templates', {})).status, 400);
  assert.equal((await api(emu, 'POST', '/v3/templates', { name: 'Bad Name' })).status, 400);
  assert.equal((await api(emu, 'POST', '/v3/templates', { name: 'x', memoryMB: 1 })).status, 400);
  const c = await api(emu, 'POST', '/v3/templates', { name: 'wire-x', tags: ['t1'] });
  assert.equal(c.status, 202);
  assert.deepEqual(c.body.tags, ['default', 't1']);
  assert.deepEqual(c.body.names, ['emulator/wire-x']);
  const id = c.body.templateID;
  const bid = c.body.buildID;
  assert.equal((await api(emu, 'GET', `/templates/${id}/files/nothex`)).status, 400);
  const link = await api(emu, 'GET', `/templates/${id}/files/${'a'.repeat(64)}`);
  assert.equal(link.status, 201);
  assert.equal(link.body.present, false);
  assert.match(link.body.url, /^http:\/\/127\.0\.0\.1:\d+\/_uploads\//);
  const forged = await fetch(link.body.url.replace(/token=[^&]+/, 'token=forged'), { method: 'PUT', body: 'x' });
  assert.equal(forged.status, 403);
  assert.equal((await fetch(link.body.url, { method: 'PUT', body: 'tar bytes' })).status, 200);
  assert.equal((await api(emu, 'GET', `/templates/${id}/files/${'a'.repeat(64)}`)).body.present, true);
  const st = await api(emu, 'GET', `/templates/${id}/builds/${bid}/status`);
  assert.equal(st.body.status, 'waiting');
  assert.deepEqual(st.body.logEntries, []);
  assert.equal((await api(emu, 'GET', `/templates/${id}/builds/not-a-uuid/status`)).status, 400);
  const unknown = await api(emu, 'GET', `/templates/${id}/builds/00000000-0000-4000-8000-00000000abcd/status`);
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.message, /^Build '.*' not found$/);
  assert.equal((await api(emu, 'POST', `/v2/templates/${id}/builds/${bid}`, { steps: 'no' })).status, 400);
  assert.equal((await api(emu, 'POST', `/v2/templates/${id}/builds/${bid}`, { steps: [] })).status, 202);
  assert.equal((await api(emu, 'POST', `/v2/templates/${id}/builds/${bid}`, { steps: [] })).status, 400, 'not waiting any more');
  assert.equal((await api(emu, 'POST', `/v2/templates/nope/builds/${bid}`, {})).status, 404);
  assert.equal((await api(emu, 'DELETE', '/templates/base')).status, 403);
});
