'use strict';
// Snapshots and fork through the official `e2b` package: a snapshot holds the sandbox's files of
// that moment, the sandbox runs on unchanged, new sandboxes start from it, delete goes through
// DELETE /templates/{id}; fork checkpoints once and starts N sandboxes.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Sandbox, NotFoundError } = require('e2b');
const { startEmulator, sdkOpts, api } = require('./helpers');

let emu;
before(async () => { emu = await startEmulator(); });
after(async () => { await emu.stop(); });

test('createSnapshot keeps the files of that moment; the sandbox runs on with its id and end', { timeout: 60000 }, async () => {
  const sbx = await Sandbox.create('base', sdkOpts(emu, { timeoutMs: 120000, envs: { FROM_CREATE: 'yes' } }));
  try {
    await sbx.files.write('/home/user/state.txt', 'v1');
    await sbx.commands.run('mkdir -p /home/user/deep/dir && echo nested > /home/user/deep/dir/f && chmod 640 /home/user/deep/dir/f');
    const bg = await sbx.commands.run('sleep 300', { background: true });
    const endBefore = (await sbx.getInfo()).endAt.getTime();

    const snap = await sbx.createSnapshot();
    assert.match(snap.snapshotId, /^[a-z0-9]+:default$/);
    assert.deepEqual(snap.names, []);
    const named = await sbx.createSnapshot({ name: 'snap-test' });
    assert.equal(named.snapshotId, 'emulator/snap-test:default');
    assert.deepEqual(named.names, ['emulator/snap-test']);

    // The original is unchanged: same id, same end, still running, its process still there.
    await sbx.files.write('/home/user/state.txt', 'v2');
    const info = await sbx.getInfo();
    assert.equal(info.sandboxId, sbx.sandboxId);
    assert.equal(info.state, 'running');
    assert.equal(info.endAt.getTime(), endBefore);
    assert.ok((await sbx.commands.list()).some((p) => p.pid === bg.pid), 'its processes run on');

    await assert.rejects(Sandbox.create('other-team/snap-test', sdkOpts(emu)), /not found/i, "another team's namespace");
    for (const id of [snap.snapshotId, named.snapshotId]) {
      const from = await Sandbox.create(id, sdkOpts(emu, { timeoutMs: 60000 }));
      try {
        assert.equal(await from.files.read('/home/user/state.txt'), 'v1', 'the files of the snapshot moment');
        const r = await from.commands.run('stat -c "%a %U" /home/user/deep/dir/f && cat /home/user/deep/dir/f && echo $FROM_CREATE');
        assert.equal(r.stdout, '640 user\nnested\nyes\n');
      } finally { await from.kill(); }
    }

    // Listing: all, by sandbox, by name, paged.
    const all = await Sandbox.listSnapshots(sdkOpts(emu)).nextItems();
    assert.deepEqual(all.map((s) => s.snapshotId).sort(), [snap.snapshotId, named.snapshotId].sort());
    const mine = await sbx.listSnapshots().nextItems();
    assert.equal(mine.length, 2);
    const byName = await Sandbox.listSnapshots(sdkOpts(emu, { name: 'snap-test' })).nextItems();
    assert.deepEqual(byName.map((s) => s.snapshotId), [named.snapshotId]);
    const pager = Sandbox.listSnapshots(sdkOpts(emu, { limit: 1 }));
    const p1 = await pager.nextItems();
    assert.equal(p1.length, 1);
    assert.equal(pager.hasNext, true);
    const p2 = await pager.nextItems();
    assert.equal(p2.length, 1);
    assert.notEqual(p1[0].snapshotId, p2[0].snapshotId);
    assert.equal(pager.hasNext, false);

    // Delete through the templates route: true, then false (404).
    assert.equal(await Sandbox.deleteSnapshot(snap.snapshotId, sdkOpts(emu)), true);
    assert.equal(await Sandbox.deleteSnapshot(snap.snapshotId, sdkOpts(emu)), false);
    await assert.rejects(Sandbox.create(snap.snapshotId, sdkOpts(emu)), /not found/i);
    assert.equal(await Sandbox.deleteSnapshot(named.snapshotId, sdkOpts(emu)), true);
    assert.deepEqual(await Sandbox.listSnapshots(sdkOpts(emu)).nextItems(), []);
  } finally { await sbx.kill(); }
});

test('a snapshot in use cannot be deleted; a paused sandbox cannot be snapshotted', { timeout: 60000 }, async () => {
  const sbx = await Sandbox.create('base', sdkOpts(emu, { timeoutMs: 60000 }));
  const snap = await sbx.createSnapshot();
  const from = await Sandbox.create(snap.snapshotId, sdkOpts(emu, { timeoutMs: 60000 }));
  const r = await api(emu, 'DELETE', `/templates/${encodeURIComponent(snap.snapshotId)}`);
  assert.equal(r.status, 400);
  assert.match(r.body.message, /running sandboxes using it/);
  await from.kill();
  assert.equal(await Sandbox.deleteSnapshot(snap.snapshotId, sdkOpts(emu)), true);
  await sbx.pause();
  const p = await api(emu, 'POST', `/sandboxes/${sbx.sandboxId}/snapshots`, {});
  assert.equal(p.status, 409);
  assert.equal((await api(emu, 'POST', '/sandboxes/nope/snapshots', {})).status, 404);
  assert.equal((await api(emu, 'POST', `/sandboxes/${sbx.sandboxId}/snapshots`, { name: 'Bad Name!' })).status, 400);
  await Sandbox.kill(sbx.sandboxId, sdkOpts(emu));
});

test('fork: one checkpoint, N sandboxes with its files; the original keeps id and end', { timeout: 60000 }, async () => {
  const sbx = await Sandbox.create('base', sdkOpts(emu, { timeoutMs: 120000, metadata: { who: 'origin' } }));
  try {
    await sbx.files.write('/home/user/f.txt', 'before fork');
    const endBefore = (await sbx.getInfo()).endAt.getTime();
    const forks = await sbx.fork({ count: 2, timeoutMs: 60000 });
    assert.equal(forks.length, 2);
    try {
      assert.notEqual(forks[0].sandboxId, forks[1].sandboxId);
      for (const f of forks) {
        assert.ok(f instanceof Sandbox, String(f));
        assert.notEqual(f.sandboxId, sbx.sandboxId);
        assert.equal(await f.files.read('/home/user/f.txt'), 'before fork');
        await f.files.write('/home/user/f.txt', `fork ${f.sandboxId}`); // forks are independent
      }
      assert.equal(await sbx.files.read('/home/user/f.txt'), 'before fork');
      assert.equal((await sbx.getInfo()).endAt.getTime(), endBefore);
      assert.deepEqual((await forks[0].getInfo()).metadata, { who: 'origin' });
    } finally { for (const f of forks) if (f instanceof Sandbox) await f.kill(); }
    await assert.rejects(Sandbox.fork('nosuchsandbox', sdkOpts(emu)), NotFoundError);
    const bad = await api(emu, 'POST', `/sandboxes/${sbx.sandboxId}/fork`, { count: 0 });
    assert.equal(bad.status, 400);
  } finally { await sbx.kill(); }
});
