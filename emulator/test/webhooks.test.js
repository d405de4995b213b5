'use strict';
// Webhooks: CRUD, signed deliveries of matching lifecycle events to a loopback receiver,
// retries of failed deliveries, the delivery record; non-loopback targets are refused.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('crypto');
const http = require('http');
const { Sandbox } = require('e2b');
const { startEmulator, sdkOpts, api, waitFor } = require('./helpers');

let emu;
let receiver;
let got = []; // { headers, raw }
let failNext = 0; // answer 500 to this many requests
before(async () => {
  emu = await startEmulator({ env: { E2B_EMULATOR_WEBHOOK_RETRY_MS: '200' } });
  receiver = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, raw: Buffer.concat(chunks) });
      if (failNext > 0) { failNext--; res.writeHead(500); return res.end('no'); }
      res.writeHead(204); res.end();
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
});
after(async () => { await emu.stop(); receiver.close(); });

// What a receiver does: base64url-nopad(sha256(secret + raw body)).
function expectedSignature(secret, raw) {
  return crypto.createHash('sha256').update(secret + raw.toString('utf8')).digest('base64')
    .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

test('CRUD: create, get, list, update, delete; the secret is never returned', async () => {
  const url = `http://127.0.0.1:${receiver.address().port}/hook`;
  const c = await api(emu, 'POST', '/events/webhooks', { name: 'w1', url, events: ['sandbox.lifecycle.created'], signatureSecret: 's3cret' });
  assert.equal(c.status, 201);
  assert.deepEqual(Object.keys(c.body).sort(), ['createdAt', 'enabled', 'events', 'id', 'name', 'teamId', 'url']);
  assert.equal(c.body.enabled, true);
  assert.equal(c.body.teamId, emu.teamId);
  const g = await api(emu, 'GET', `/events/webhooks/${c.body.id}`);
  assert.deepEqual(g.body, c.body);
  const u = await api(emu, 'PATCH', `/events/webhooks/${c.body.id}`, { enabled: false, name: 'w1b' });
  assert.equal(u.status, 200);
  assert.equal(u.body.enabled, false);
  assert.equal(u.body.name, 'w1b');
  const l = await api(emu, 'GET', '/events/webhooks');
  assert.deepEqual(l.body.map((h) => h.id), [c.body.id]);
  assert.ok(!JSON.stringify(l.body).includes('s3cret'));
  const d = await api(emu, 'DELETE', `/events/webhooks/${c.body.id}`);
  assert.equal(d.status, 200);
  assert.equal((await api(emu, 'DELETE', `/events/webhooks/${c.body.id}`)).status, 404);
  assert.equal((await api(emu, 'GET', `/events/webhooks/${c.body.id}`)).status, 404);
  assert.equal((await api(emu, 'PATCH', `/events/webhooks/${c.body.id}`, { enabled: true })).status, 404);
});

test('bad input and non-loopback targets are refused with 400', async () => {
  const ok = { name: 'w', url: 'http://127.0.0.1:1/x', events: ['sandbox.lifecycle.killed'], signatureSecret: 's' };
  for (const [k, v] of [['url', 'http://10.0.0.1/x'], ['url', 'https://example.com/x'], ['url', 'ftp://127.0.0.1/'],
    ['url', 'not a url'], ['events', []], ['events', ['sandbox.lifecycle.nope']], ['name', ''], ['signatureSecret', ''], ['enabled', 'yes']]) {
    const r = await api(emu, 'POST', '/events/webhooks', { ...ok, [k]: v });
    assert.equal(r.status, 400, `${k}=${JSON.stringify(v)}`);
  }
  for (const k of ['name', 'url', 'events', 'signatureSecret']) {
    const body = { ...ok };
    delete body[k];
    assert.equal((await api(emu, 'POST', '/events/webhooks', body)).status, 400, `missing ${k}`);
  }
  const h = await api(emu, 'POST', '/events/webhooks', ok);
  assert.equal((await api(emu, 'PATCH', `/events/webhooks/${h.body.id}`, { url: 'http://192.168.1.1/' })).status, 400);
  await api(emu, 'DELETE', `/events/webhooks/${h.body.id}`);
});

test('matching events are POSTed signed; failures are retried and recorded', { timeout: 60000 }, async () => {
  got = [];
  const url = `http://localhost:${receiver.address().port}/hook`;
  const secret = 'whsec-' + crypto.randomBytes(8).toString('hex');
  const h = (await api(emu, 'POST', '/events/webhooks', {
    name: 'kills', url, events: ['sandbox.lifecycle.created', 'sandbox.lifecycle.killed'], signatureSecret: secret,
  })).body;
  const off = (await api(emu, 'POST', '/events/webhooks', {
    name: 'off', url, events: ['sandbox.lifecycle.created'], signatureSecret: 'x', enabled: false,
  })).body;
  const sbx = await Sandbox.create('base', sdkOpts(emu, { timeoutMs: 60000 }));
  await sbx.setTimeout(30000); // 'updated': not subscribed
  await waitFor(() => got.length >= 1);
  failNext = 2; // the kill's delivery fails twice, then succeeds on the third attempt
  await sbx.kill();
  await waitFor(() => got.length >= 4, { timeoutMs: 10000 });
  await new Promise((r) => setTimeout(r, 500)); // nothing more should come
  assert.equal(got.length, 4, 'created once, killed three times (two failures); nothing for the disabled hook or updates');
  for (const g of got) {
    assert.equal(g.headers['e2b-webhook-id'], h.id);
    assert.equal(g.headers['e2b-signature-version'], 'v1');
    assert.equal(g.headers['e2b-signature'], expectedSignature(secret, g.raw));
    assert.match(g.headers['e2b-delivery-id'], /^[0-9a-f-]{36}$/);
    assert.match(g.headers['content-type'], /application\/json/);
  }
  const events = got.map((g) => JSON.parse(g.raw.toString()));
  assert.deepEqual(events.map((e) => e.type), ['sandbox.lifecycle.created', 'sandbox.lifecycle.killed', 'sandbox.lifecycle.killed', 'sandbox.lifecycle.killed']);
  assert.equal(events[1].id, events[3].id, 'a retry carries the same event');
  assert.equal(got[1].headers['e2b-delivery-id'], got[3].headers['e2b-delivery-id']);
  assert.equal(events[0].sandboxId, sbx.sandboxId);
  const stored = await api(emu, 'GET', `/events/sandboxes/${sbx.sandboxId}?types=sandbox.lifecycle.killed`);
  assert.deepEqual(events[1], stored.body[0], 'the body is the event as the events API has it');

  const d = await api(emu, 'GET', `/events/webhooks/${h.id}/deliveries?orderAsc=true`);
  assert.equal(d.status, 200);
  assert.equal(d.body.nextCursor, null);
  assert.deepEqual(d.body.data.map((x) => [x.eventType, x.attempts.map((a) => a.deliveryStatus)]), [
    ['sandbox.lifecycle.created', ['success']],
    ['sandbox.lifecycle.killed', ['failed', 'failed', 'success']],
  ]);
  assert.equal(d.body.data[1].attempts[0].responseStatusCode, 500);
  const page = await api(emu, 'GET', `/events/webhooks/${h.id}/deliveries?limit=1`);
  assert.equal(page.body.data[0].eventType, 'sandbox.lifecycle.killed', 'newest first');
  assert.ok(page.body.nextCursor);
  const rest = await api(emu, 'GET', `/events/webhooks/${h.id}/deliveries?limit=1&cursor=${page.body.nextCursor}`);
  assert.equal(rest.body.data[0].eventType, 'sandbox.lifecycle.created');
  assert.equal(rest.body.nextCursor, null);
  const failedOnly = await api(emu, 'GET', `/events/webhooks/${h.id}/deliveries?deliveryStatus=failed`);
  assert.deepEqual(failedOnly.body.data, []);
  const byType = await api(emu, 'GET', `/events/webhooks/${h.id}/deliveries?eventType=sandbox.lifecycle.created`);
  assert.equal(byType.body.data.length, 1);
  const stats = await api(emu, 'GET', `/events/webhooks/${h.id}/stats`);
  assert.equal(stats.status, 200);
  assert.equal(stats.body.total, 2);
  assert.equal(stats.body.failed, 0, 'the kill got through on its third attempt');
  assert.equal(stats.body.buckets.reduce((n, b) => n + b.total, 0), 2);
  assert.ok(stats.body.durationMs.maximum >= stats.body.durationMs.minimum);
  const none = await api(emu, 'GET', `/events/webhooks/${off.id}/deliveries`);
  assert.deepEqual(none.body, { data: [], nextCursor: null });
  for (const id of [h.id, off.id]) await api(emu, 'DELETE', `/events/webhooks/${id}`);
});

test('a receiver that never succeeds gets 1 + 3 attempts, then the delivery is failed', { timeout: 30000 }, async () => {
  got = [];
  const url = `http://127.0.0.1:${receiver.address().port}/hook`;
  const h = (await api(emu, 'POST', '/events/webhooks', { name: 'f', url, events: ['sandbox.lifecycle.created'], signatureSecret: 'k' })).body;
  failNext = 100;
  const sbx = await Sandbox.create('base', sdkOpts(emu, { timeoutMs: 60000 }));
  await waitFor(() => got.length >= 4, { timeoutMs: 10000 });
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(got.length, 4);
  failNext = 0;
  const d = await api(emu, 'GET', `/events/webhooks/${h.id}/deliveries?deliveryStatus=failed`);
  assert.equal(d.body.data.length, 1);
  assert.equal(d.body.data[0].attempts.length, 4);
  await sbx.kill();
  await api(emu, 'DELETE', `/events/webhooks/${h.id}`);
});
