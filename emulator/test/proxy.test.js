'use strict';
// Port proxy through the envd router: E2b-Sandbox-Port header and Host "<port>-<id>.<domain>".
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Sandbox } = require('e2b');
const { startEmulator, sdkOpts, api, envd, waitFor, httpGet, freePort } = require('./helpers');

let emu;
before(async () => { emu = await startEmulator(); });
after(async () => { await emu.stop(); });



test('requests for other ports reach the server in the sandbox', { timeout: 30000 }, async () => {
  const sbx = await Sandbox.create('base', sdkOpts(emu));
  const port = await freePort();
  const closed = await envd(emu, sbx.sandboxId, '/', { headers: { 'E2b-Sandbox-Port': String(port) } });
  assert.equal(closed.status, 502);
  assert.equal(closed.body.message, 'The sandbox is running but port is not open');
  assert.equal(closed.body.sandboxId, sbx.sandboxId);

  await sbx.files.write('/home/user/www/hello.txt', 'hello from the sandbox');
  await sbx.commands.run(`cd /home/user/www && python3 -m http.server ${port} --bind 127.0.0.1`, { background: true, timeoutMs: 0 });
  const host = sbx.getHost(port); // "<port>-<id>.e2b.app": routed by the Host header
  assert.match(host, new RegExp(`^${port}-${sbx.sandboxId}\\.`));
  const viaHost = await waitFor(async () => {
    const r = await httpGet(`${emu.sandboxUrl}/hello.txt`, { Host: host }).catch(() => null);
    return r && r.status === 200 ? r : null;
  });
  assert.equal(viaHost.body, 'hello from the sandbox');
  const viaHeader = await envd(emu, sbx.sandboxId, '/hello.txt', { headers: { 'E2b-Sandbox-Port': String(port) } });
  assert.equal(viaHeader.status, 200);
  assert.equal(viaHeader.body, 'hello from the sandbox');
  const missing = await envd(emu, sbx.sandboxId, '/nope', { headers: { 'E2b-Sandbox-Port': String(port) } });
  assert.equal(missing.status, 404, 'the upstream status passes through');

  await sbx.pause();
  const paused = await httpGet(`${emu.sandboxUrl}/hello.txt`, { Host: host });
  assert.equal(paused.status, 502);
  assert.equal(JSON.parse(paused.body).message, 'The sandbox was not found');
  await Sandbox.kill(sbx.sandboxId, sdkOpts(emu));
});

test('router: health, unknown sandboxes, bad routing input, access token', { timeout: 20000 }, async () => {
  // e2b 2.51 no longer sends `secure`; ask for a token the way older clients (and Python) do.
  const made = await api(emu, 'POST', '/sandboxes', { templateID: 'base', secure: true, timeout: 60 });
  const sbx = { sandboxId: made.body.sandboxID, envdAccessToken: made.body.envdAccessToken };
  assert.match(sbx.envdAccessToken, /^[0-9a-f]{64}$/);
  assert.equal((await envd(emu, sbx.sandboxId, '/health')).status, 204);
  const gone = await envd(emu, 'i0000000000000000000', '/health');
  assert.deepEqual(gone.body, { sandboxId: 'i0000000000000000000', message: 'The sandbox was not found', code: 502 });
  assert.equal((await envd(emu, 'BAD/../id', '/health')).status, 400);
  assert.equal((await envd(emu, sbx.sandboxId, '/health', { headers: { 'E2b-Sandbox-Port': 'x' } })).status, 400);
  const noId = await fetch(`${emu.sandboxUrl}/process.Process/List`, { method: 'POST' });
  assert.equal(noId.status, 400);
  for (const token of [undefined, 'wrong', `${sbx.envdAccessToken}x`]) {
    const r = await envd(emu, sbx.sandboxId, '/process.Process/List', {
      method: 'POST', body: '{}',
      headers: { 'Content-Type': 'application/json', ...(token ? { 'X-Access-Token': token } : {}) },
    });
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 401);
    assert.ok(!JSON.stringify(r.body).includes(sbx.envdAccessToken));
  }
  const ok = await envd(emu, sbx.sandboxId, '/process.Process/List', {
    method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json', 'X-Access-Token': sbx.envdAccessToken },
  });
  assert.equal(ok.status, 200);
  assert.equal((await api(emu, 'DELETE', `/sandboxes/${sbx.sandboxId}`)).status, 204);
});

test('a loopback listener per sandbox port (POST /_emulator/sandboxes/<id>/ports/<port>)', { timeout: 30000 }, async () => {
  const sbx = await Sandbox.create('base', sdkOpts(emu));
  const port = await freePort();
  await sbx.files.write('/home/user/www/hi.txt', 'hi via loopback');
  await sbx.commands.run(`cd /home/user/www && python3 -m http.server ${port} --bind 127.0.0.1`, { background: true, timeoutMs: 0 });
  const route = `/_emulator/sandboxes/${sbx.sandboxId}/ports/${port}`;
  assert.equal((await api(emu, 'POST', route, undefined, { 'X-API-KEY': 'wrong' })).status, 401);
  assert.equal((await api(emu, 'GET', route)).status, 405);
  assert.equal((await api(emu, 'POST', `/_emulator/sandboxes/${sbx.sandboxId}/ports/70000`)).status, 400);
  assert.equal((await api(emu, 'POST', '/_emulator/sandboxes/i0000000000000000000/ports/80')).status, 404);
  const opened = await api(emu, 'POST', route);
  assert.equal(opened.status, 200);
  assert.match(opened.body.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual((await api(emu, 'POST', route)).body, opened.body, 'the same listener again');
  const got = await waitFor(async () => {
    const r = await httpGet(`${opened.body.url}/hi.txt`).catch(() => null);
    return r && r.status === 200 ? r : null;
  });
  assert.equal(got.body, 'hi via loopback');
  await Sandbox.kill(sbx.sandboxId, sdkOpts(emu));
  await assert.rejects(httpGet(`${opened.body.url}/hi.txt`), 'the listener closes with the sandbox');
});
