'use strict';
// WatchDir through the official e2b client, and the polling watcher RPCs.
const test = require('node:test');
const assert = require('node:assert/strict');
const { FileType, InvalidArgumentError, NotFoundError } = require('e2b');
const { officialSandboxOnEnvd } = require('./helpers');

const ctx = officialSandboxOnEnvd(test);

function collector() {
  const events = [];
  const waiters = [];
  return {
    events,
    onEvent(e) {
      events.push(e);
      for (const w of [...waiters]) if (w.pred(events)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
    },
    until(pred, ms = 5000) {
      if (pred(events)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiters.push({ pred, resolve });
        setTimeout(() => reject(new Error(`timed out; events: ${JSON.stringify(events)}`)), ms).unref();
      });
    },
  };
}
const has = (name, type) => (evs) => evs.some((e) => e.name === name && e.type === type);

test('events of each type with names relative to the watched directory', { timeout: 20000 }, async () => {
  await ctx.sbx.files.makeDir('/home/user/w');
  const c = collector();
  const handle = await ctx.sbx.files.watchDir('/home/user/w', c.onEvent, { timeoutMs: 0 });
  try {
    await ctx.sbx.files.write('/home/user/w/a.txt', 'one');
    await c.until(has('a.txt', 'create'));
    await c.until(has('a.txt', 'write'));
    await ctx.sbx.commands.run('chmod 600 /home/user/w/a.txt');
    await c.until(has('a.txt', 'chmod'));
    await ctx.sbx.files.rename('/home/user/w/a.txt', '/home/user/w/b.txt');
    await c.until((evs) => has('a.txt', 'rename')(evs) && has('b.txt', 'create')(evs));
    await ctx.sbx.files.remove('/home/user/w/b.txt');
    await c.until(has('b.txt', 'remove'));
    await ctx.sbx.files.write('/home/user/w/sub/deep.txt', 'x');
    await c.until(has('sub', 'create'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(c.events.some((e) => e.name.startsWith('sub/')), false, 'not recursive unless asked');
  } finally {
    await handle.stop();
  }
});

test('recursive watch with entries', { timeout: 20000 }, async () => {
  await ctx.sbx.files.makeDir('/home/user/r/x');
  const c = collector();
  const handle = await ctx.sbx.files.watchDir('r', c.onEvent, { recursive: true, includeEntry: true, timeoutMs: 0 });
  try {
    await ctx.sbx.commands.run('mkdir /home/user/r/x/y && echo hi > /home/user/r/x/y/z.txt');
    await c.until(has('x/y/z.txt', 'write'));
    const created = c.events.find((e) => e.name === 'x/y' && e.type === 'create');
    assert.ok(created, JSON.stringify(c.events));
    assert.equal(created.entry.type, FileType.DIR);
    assert.equal(created.entry.path, '/home/user/r/x/y');
    await ctx.sbx.commands.run('rm -r /home/user/r/x/y');
    await c.until(has('x/y', 'remove'));
    assert.equal(c.events.find((e) => e.name === 'x/y' && e.type === 'remove').entry, undefined);
  } finally {
    await handle.stop();
  }
});

test('recursive watch reports what a new directory already held when its watch began', { timeout: 20000 }, async () => {
  // The whole tree appears faster than a watch can be added to each new directory.
  await ctx.sbx.files.makeDir('/home/user/fast');
  const c = collector();
  const handle = await ctx.sbx.files.watchDir('fast', c.onEvent, { recursive: true, timeoutMs: 0 });
  try {
    await ctx.sbx.commands.run('mkdir -p /home/user/fast/a/b/c && echo hi > /home/user/fast/a/b/c/f.txt && : > /home/user/fast/a/empty');
    await c.until((evs) => ['a', 'a/b', 'a/b/c', 'a/b/c/f.txt', 'a/empty'].every((n) => has(n, 'create')(evs)));
    await c.until(has('a/b/c/f.txt', 'write'));
    assert.equal(c.events.filter((e) => e.type === 'create' && e.name === 'a/b/c/f.txt').length, 1, 'reported once');
  } finally {
    await handle.stop();
  }
});

test('watch errors: missing path, not a directory', { timeout: 20000 }, async () => {
  await assert.rejects(ctx.sbx.files.watchDir('/home/user/none', () => {}), NotFoundError);
  await ctx.sbx.files.write('/home/user/plain.txt', 'x');
  await assert.rejects(ctx.sbx.files.watchDir('/home/user/plain.txt', () => {}), InvalidArgumentError);
});

test('stream ends with onExit when the stream deadline passes', { timeout: 20000 }, async () => {
  await ctx.sbx.files.makeDir('/home/user/d');
  let exited;
  const done = new Promise((r) => { exited = r; });
  await ctx.sbx.files.watchDir('/home/user/d', () => {}, { timeoutMs: 500, onExit: (err) => exited(err) });
  const err = await done;
  assert.ok(err, 'onExit receives the deadline error');
});
