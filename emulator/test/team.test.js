'use strict';
// Team metrics (GET /teams/{id}/metrics[/max]) from the registry's real history.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Sandbox } = require('e2b');
const { startEmulator, sdkOpts, api } = require('./helpers');

let emu;
before(async () => { emu = await startEmulator(); });
after(async () => { await emu.stop(); });

test('the team id is in the ready line; another team is refused', async () => {
  assert.match(emu.teamId, /^[0-9a-f-]{36}$/);
  const r = await api(emu, 'GET', '/teams/00000000-0000-0000-0000-000000000000/metrics');
  assert.equal(r.status, 403);
  assert.equal(r.body.message, `You (${emu.teamId}) are not authorized to access this team's (00000000-0000-0000-0000-000000000000) metrics`);
  assert.equal((await api(emu, 'GET', '/teams/00000000-0000-0000-0000-000000000000/metrics/max?metric=concurrent_sandboxes')).status, 403);
});

test('concurrent sandboxes and start rate follow what really ran', { timeout: 60000 }, async () => {
  const t0 = Math.floor(Date.now() / 1000);
  const before = await api(emu, 'GET', `/teams/${emu.teamId}/metrics?start=${t0 - 60}&end=${t0}`);
  assert.equal(before.status, 200);
  assert.ok(before.body.every((p) => p.concurrentSandboxes === 0 && p.sandboxStartRate === 0), 'nothing ran yet');
  const sbxs = await Promise.all([1, 2, 3].map(() => Sandbox.create('base', sdkOpts(emu, { timeoutMs: 60000 }))));
  await sbxs[0].kill();
  const killed = Math.floor(Date.now() / 1000) + 1;
  await new Promise((r) => setTimeout(r, killed * 1000 - Date.now() + 100));
  const now = Math.floor(Date.now() / 1000);
  const r = await api(emu, 'GET', `/teams/${emu.teamId}/metrics?start=${t0}&end=${now + 5}`);
  assert.equal(r.status, 200);
  for (const p of r.body) {
    assert.equal(typeof p.timestampUnix, 'number');
    assert.equal(p.timestamp, new Date(p.timestampUnix * 1000).toISOString());
  }
  assert.equal(Math.max(...r.body.map((p) => p.concurrentSandboxes)), 3);
  const starts = r.body.reduce((n, p) => n + p.sandboxStartRate * 5, 0);
  assert.ok(Math.abs(starts - 3) < 0.01, `three starts in the window, got ${starts}`);
  assert.ok(r.body.every((p) => p.timestampUnix * 1000 <= Date.now()), 'no points from the future');
  const after = await api(emu, 'GET', `/teams/${emu.teamId}/metrics?start=${killed}&end=${now}`);
  assert.deepEqual(after.body.map((p) => p.concurrentSandboxes), [2], 'one was killed');

  const max = await api(emu, 'GET', `/teams/${emu.teamId}/metrics/max?metric=concurrent_sandboxes&start=${t0}&end=${now + 5}`);
  assert.equal(max.status, 200);
  assert.equal(max.body.value, 3);
  assert.ok(max.body.timestampUnix >= t0 && max.body.timestampUnix <= now + 5);
  const rate = await api(emu, 'GET', `/teams/${emu.teamId}/metrics/max?metric=sandbox_start_rate&start=${t0}&end=${now + 5}`);
  assert.ok(rate.body.value > 0);
  const bad = await api(emu, 'GET', `/teams/${emu.teamId}/metrics/max?metric=cpu`);
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /^invalid metric: cpu/);
  assert.equal((await api(emu, 'GET', `/teams/${emu.teamId}/metrics/max`)).status, 400);
  assert.equal((await api(emu, 'GET', `/teams/${emu.teamId}/metrics?start=10&end=5`)).status, 400);
  await Promise.all(sbxs.slice(1).map((s) => s.kill()));
});
