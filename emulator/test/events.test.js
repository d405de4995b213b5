'use strict';
// Lifecycle events (GET /events/sandboxes[/{id}], the Argus API): one per create, update
// (timeout, refresh, connect, network), pause, resume, checkpoint and kill with its reason.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Sandbox } = require('e2b');
const { startEmulator, sdkOpts, api, waitFor } = require('./helpers');

let emu;
before(async () => { emu = await startEmulator(); });
after(async () => { await emu.stop(); });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('every lifecycle change of a sandbox is an event with the Argus fields', { timeout: 60000 }, async () => {
  const sbx = await Sandbox.create('base', sdkOpts(emu, { timeoutMs: 60000, metadata: { job: 'ev' } }));
  const id = sbx.sandboxId;
  await sbx.setTimeout(90000);
  await sbx.createSnapshot();
  await sbx.pause();
  await Sandbox.connect(id, sdkOpts(emu, { timeoutMs: 60000 }));
  await sbx.kill();

  const r = await api(emu, 'GET', `/events/sandboxes/${id}?orderAsc=true&limit=100`);
  assert.equal(r.status, 200);
  const types = r.body.map((e) => e.type.replace('sandbox.lifecycle.', ''));
  assert.deepEqual(types, ['created', 'updated', 'checkpointed', 'paused', 'resumed', 'killed']);
  for (const e of r.body) {
    assert.match(e.id, UUID);
    assert.equal(e.version, 'v2');
    assert.equal(e.sandboxId, id);
    assert.equal(e.sandboxTeamId, emu.teamId);
    assert.equal(e.sandboxTemplateId, 'rki5dems9wqfm4r03t7g');
    assert.match(e.sandboxBuildId, UUID);
    assert.match(e.sandboxExecutionId, UUID);
    assert.ok(!Number.isNaN(Date.parse(e.timestamp)));
  }
  const [created, updated, , paused, resumed, killed] = r.body;
  assert.deepEqual(created.eventData, { sandbox_metadata: { job: 'ev' } });
  assert.match(updated.eventData.set_timeout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(paused.eventData.execution.vcpu_count, 2);
  assert.ok(paused.eventData.execution.execution_time >= 0);
  assert.notEqual(resumed.sandboxExecutionId, created.sandboxExecutionId, 'a resume is a new execution');
  assert.equal(killed.eventData.kill_reason, 'request');
  assert.equal(killed.sandboxExecutionId, resumed.sandboxExecutionId);

  // Default order is newest first, default limit 10; offset/limit page; types filter.
  const desc = await api(emu, 'GET', `/events/sandboxes/${id}`);
  assert.deepEqual(desc.body.map((e) => e.id), r.body.map((e) => e.id).reverse());
  const page = await api(emu, 'GET', `/events/sandboxes/${id}?orderAsc=true&offset=2&limit=2`);
  assert.deepEqual(page.body.map((e) => e.id), r.body.slice(2, 4).map((e) => e.id));
  const only = await api(emu, 'GET', `/events/sandboxes/${id}?types=sandbox.lifecycle.killed&types=sandbox.lifecycle.created`);
  assert.deepEqual(only.body.map((e) => e.type), ['sandbox.lifecycle.killed', 'sandbox.lifecycle.created']);
  for (const q of ['limit=0', 'limit=101', 'offset=-1', 'types=sandbox.lifecycle.nope', 'orderAsc=yes']) {
    assert.equal((await api(emu, 'GET', `/events/sandboxes/${id}?${q}`)).status, 400, q);
  }
});

test('team-wide events cover every sandbox; a timeout kill says so', { timeout: 30000 }, async () => {
  const a = await Sandbox.create('base', sdkOpts(emu, { timeoutMs: 1000 }));
  const b = await Sandbox.create('base', sdkOpts(emu, { timeoutMs: 60000 }));
  await waitFor(async () => {
    const r = await api(emu, 'GET', `/events/sandboxes/${a.sandboxId}?types=sandbox.lifecycle.killed`);
    return r.body.length === 1 && r.body[0];
  }, { timeoutMs: 10000 }).then((e) => assert.equal(e.eventData.kill_reason, 'timeout'));
  const team = await api(emu, 'GET', '/events/sandboxes?types=sandbox.lifecycle.created&limit=100');
  const ids = team.body.map((e) => e.sandboxId);
  assert.ok(ids.includes(a.sandboxId) && ids.includes(b.sandboxId));
  await b.kill();
});
