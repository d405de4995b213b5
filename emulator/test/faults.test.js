'use strict';
// Fault injection through the control endpoint: every mode, on the API and on envd.
const { test, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { Sandbox, RateLimitError } = require('e2b');
const { startEmulator, sdkOpts, api } = require('./helpers');

let emu;
let sbx;
before(async () => {
  emu = await startEmulator();
  sbx = await Sandbox.create('base', sdkOpts(emu, { timeoutMs: 120000 }));
  assert.ok(sbx.envdAccessToken, 'a secure sandbox: raw envd requests below send its token');
});
after(async () => { await emu.stop(); });
afterEach(async () => { await fetch(`${emu.controlUrl}/faults`, { method: 'DELETE' }); });

async function fault(spec) {
  const r = await fetch(`${emu.controlUrl}/faults`, { method: 'POST', body: JSON.stringify(spec) });
  return { status: r.status, body: await r.json() };
}

function envelope(obj) {
  const payload = Buffer.from(JSON.stringify(obj));
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

// A process.Process/Start stream printing 20 lines; -> fetch Response.
function startStream() {
  return fetch(`${emu.sandboxUrl}/process.Process/Start`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/connect+json', 'Connect-Protocol-Version': '1',
      'E2b-Sandbox-Id': sbx.sandboxId, 'E2b-Sandbox-Port': '49983',
      'X-Access-Token': sbx.envdAccessToken, // v2 sandboxes are secure by default
    },
    body: envelope({ process: { cmd: '/bin/bash', args: ['-c', 'for i in $(seq 1 20); do echo line$i; sleep 0.01; done'] } }),
  });
}

test('control endpoint validates, lists and clears rules', { timeout: 10000 }, async () => {
  assert.equal((await fault({ mode: 'explode' })).status, 400);
  assert.equal((await fault({ mode: 'status', status: 200 })).status, 400);
  assert.equal((await fault({ mode: 'delay' })).status, 400);
  assert.match((await fault({ mode: 'drop', bogus: 1 })).body.message, /unknown fault field 'bogus'/);
  const bad = await fetch(`${emu.controlUrl}/faults`, { method: 'POST', body: '{nope' });
  assert.equal(bad.status, 400);
  const made = await fault({ mode: 'delay', ms: 1, match: '/nothing' });
  assert.equal(made.status, 201);
  const listed = await (await fetch(`${emu.controlUrl}/faults`)).json();
  assert.deepEqual(listed.map((r) => r.id), [made.body.id]);
  const del = await (await fetch(`${emu.controlUrl}/faults?id=${made.body.id}`, { method: 'DELETE' })).json();
  assert.equal(del.removed, 1);
});

test('delay holds the response back', { timeout: 10000 }, async () => {
  await fault({ mode: 'delay', ms: 400, surface: 'api', match: '/v2/sandboxes', count: 1 });
  const t0 = Date.now();
  assert.equal((await api(emu, 'GET', '/v2/sandboxes')).status, 200);
  assert.ok(Date.now() - t0 >= 380, 'delayed');
  const t1 = Date.now();
  await api(emu, 'GET', '/v2/sandboxes');
  assert.ok(Date.now() - t1 < 380, 'count: 1 applies once');
});

test('status: 429 with Retry-After on the API, as the official client sees it', { timeout: 15000 }, async () => {
  await fault({ mode: 'status', status: 429, retry_after: 7, surface: 'api', count: 1 });
  const r = await api(emu, 'GET', '/v2/sandboxes');
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '7');
  assert.deepEqual(r.body, { code: 429, message: 'injected fault: status 429' });
  // e2b 2.51 waits out a Retry-After that fits in its request timeout, then retries.
  await fault({ mode: 'status', status: 429, retry_after: 1, surface: 'api', count: 1 });
  const t0 = Date.now();
  assert.equal((await Sandbox.getInfo(sbx.sandboxId, sdkOpts(emu))).state, 'running');
  assert.ok(Date.now() - t0 >= 950, 'the client waited for Retry-After');
  // Without Retry-After it gives up at once.
  await fault({ mode: 'status', status: 429, surface: 'api', count: 1 });
  await assert.rejects(Sandbox.getInfo(sbx.sandboxId, sdkOpts(emu)), RateLimitError);
  await fault({ mode: 'status', status: 500, surface: 'api', count: 1 });
  const five = await api(emu, 'GET', `/sandboxes/${sbx.sandboxId}`);
  assert.deepEqual([five.status, five.body.code], [500, 500]);
  assert.equal((await api(emu, 'GET', '/v2/sandboxes')).status, 200);
});

test('status: 503 on an envd RPC carries a Connect error body; per-sandbox rules', { timeout: 10000 }, async () => {
  await fault({ mode: 'status', status: 503, surface: 'envd', sandboxId: sbx.sandboxId, match: '/process.Process/' });
  const r = await startStream();
  assert.equal(r.status, 503);
  assert.deepEqual(await r.json(), { code: 'unavailable', message: 'injected fault: status 503' });
  const other = await Sandbox.create('base', sdkOpts(emu));
  const ok = await other.commands.run('echo fine');
  assert.equal(ok.stdout, 'fine\n', 'another sandbox is unaffected');
  await other.kill();
});

test('drop: connection cut after N bytes of a stream, or at once', { timeout: 10000 }, async () => {
  await fault({ mode: 'drop', after_bytes: 40, surface: 'envd', match: '/process.Process/Start', count: 1 });
  const r = await startStream();
  assert.equal(r.status, 200);
  const reader = r.body.getReader();
  let got = 0;
  const err = await (async () => {
    try {
      for (;;) { const { done, value } = await reader.read(); if (done) return null; got += value.length; }
    } catch (e) { return e; }
  })();
  assert.ok(err, 'the body ends with an error, not cleanly');
  assert.ok(got <= 40, `at most 40 bytes arrived (${got})`);
  await fault({ mode: 'drop', surface: 'api', match: '/v2/sandboxes', count: 1 });
  await assert.rejects(fetch(`${emu.apiUrl}/v2/sandboxes`, { headers: { 'X-API-KEY': emu.apiKey } }));
});

test('malformed: a Connect envelope no client may accept', { timeout: 10000 }, async () => {
  await fault({ mode: 'malformed', surface: 'envd', match: '/process.Process/Start', count: 1 });
  const r = await startStream();
  const body = Buffer.from(await r.arrayBuffer());
  assert.deepEqual([...body.subarray(0, 5)], [0x01, 0, 0, 0, 4], 'compressed flag that was never negotiated');
  assert.equal(body.length, 9);
  await fault({ mode: 'malformed', surface: 'envd', match: '/process.Process/Start', count: 1 });
  await assert.rejects(sbx.commands.run('echo hi'), 'the official client rejects the stream');
  const fine = await sbx.commands.run('echo hi');
  assert.equal(fine.stdout, 'hi\n', 'rules with count are used up');
});

test('silent: headers and the first bytes, then nothing — not even a keepalive — until the client gives up', { timeout: 15000 }, async () => {
  assert.equal((await fault({ mode: 'silent', retry_after: 3 })).status, 201, 'retry_after may be a string only');
  await fetch(`${emu.controlUrl}/faults`, { method: 'DELETE' });
  assert.equal((await fault({ mode: 'status', status: 503, retry_after: 'a\r\nb: c' })).status, 400);
  const date = new Date(Date.now() + 60000).toUTCString();
  await fault({ mode: 'status', status: 503, retry_after: date, surface: 'api', count: 1 });
  const busy = await api(emu, 'GET', '/v2/sandboxes');
  assert.equal(busy.status, 503);
  assert.equal(busy.headers.get('retry-after'), date, 'an HTTP date goes out verbatim');

  // The start event is ~60 bytes: let it through, then silence while the command goes on printing.
  await fault({ mode: 'silent', surface: 'envd', match: '/process.Process/Start', after_bytes: 30, count: 1 });
  const ac = new AbortController();
  const r = await fetch(`${emu.sandboxUrl}/process.Process/Start`, {
    method: 'POST', signal: ac.signal,
    headers: {
      'Content-Type': 'application/connect+json', 'Connect-Protocol-Version': '1',
      'E2b-Sandbox-Id': sbx.sandboxId, 'E2b-Sandbox-Port': '49983', 'X-Access-Token': sbx.envdAccessToken,
      'Keepalive-Ping-Interval': '1', // envd would ping every second: the fault swallows those too
    },
    body: envelope({ process: { cmd: '/bin/bash', args: ['-c', 'for i in $(seq 1 30); do echo line$i; sleep 0.1; done'] } }),
  });
  assert.equal(r.status, 200, 'the headers came');
  const reader = r.body.getReader();
  let got = 0;
  const t0 = Date.now();
  const timer = setTimeout(() => ac.abort(), 3500);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      got += value.length;
    }
    assert.fail('a silent stream never ends by itself');
  } catch (e) {
    assert.equal(e.name, 'AbortError', String(e));
  } finally { clearTimeout(timer); }
  assert.ok(Date.now() - t0 >= 3000, 'silent until the client gave up');
  assert.equal(got, 30, 'exactly after_bytes arrived, nothing after (no output, no keepalive, no end)');
  const fine = await sbx.commands.run('echo hi');
  assert.equal(fine.stdout, 'hi\n', 'the next stream is served normally');
});
