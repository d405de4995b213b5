'use strict';
// PTYs through the official e2b client: interactive bash, input, resize, exit.
const test = require('node:test');
const assert = require('node:assert/strict');
const { officialSandboxOnEnvd } = require('./helpers');

const ctx = officialSandboxOnEnvd(test);

// Collects PTY output and waits for a pattern to show up in it.
function terminal() {
  let text = '';
  const waiters = [];
  return {
    onData(d) {
      text += Buffer.from(d).toString('utf8');
      for (const w of [...waiters]) if (w.re.test(text)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(text); }
    },
    until(re, ms = 5000) {
      if (re.test(text)) return Promise.resolve(text);
      return new Promise((resolve, reject) => {
        const w = { re, resolve };
        waiters.push(w);
        setTimeout(() => reject(new Error(`timed out waiting for ${re} in ${JSON.stringify(text.slice(-300))}`)), ms).unref();
      });
    },
    get text() { return text; },
  };
}

test('interactive bash: prompt, input, output, resize, exit', { timeout: 30000 }, async () => {
  const t = terminal();
  const pty = await ctx.sbx.pty.create({ cols: 80, rows: 24, onData: t.onData, timeoutMs: 0 });
  await t.until(/\$ $/m);
  await ctx.sbx.pty.sendInput(pty.pid, Buffer.from('echo "a$((40+2))b"\n'));
  await t.until(/a42b/);
  await ctx.sbx.pty.sendInput(pty.pid, Buffer.from('stty size\n'));
  await t.until(/[\r\n]24 80\r?\n/);
  await ctx.sbx.pty.resize(pty.pid, { cols: 120, rows: 40 });
  await ctx.sbx.pty.sendInput(pty.pid, Buffer.from('stty size\n'));
  await t.until(/[\r\n]40 120\r?\n/);
  await ctx.sbx.pty.sendInput(pty.pid, Buffer.from('tty; echo "term=$TERM"\n'));
  await t.until(/term=xterm-256color/);
  assert.match(t.text, /\/dev\/pts\/\d+/);
  await ctx.sbx.pty.sendInput(pty.pid, Buffer.from('exit 5\n'));
  await assert.rejects(pty.wait(), (e) => e.exitCode === 5);
});

test('PTY as another user, Ctrl-D ends it, kill works', { timeout: 30000 }, async () => {
  const t = terminal();
  const pty = await ctx.sbx.pty.create({ cols: 100, rows: 30, onData: t.onData, user: 'root', timeoutMs: 0 });
  await ctx.sbx.pty.sendInput(pty.pid, Buffer.from('id -un\n'));
  await t.until(/[\r\n]root\r?\n[^]*# $/); // back at the prompt: readline reads the Ctrl-D
  await ctx.sbx.pty.sendInput(pty.pid, Buffer.from([4]));
  const r = await pty.wait();
  assert.equal(r.exitCode, 0);

  const other = await ctx.sbx.pty.create({ cols: 80, rows: 24, onData: () => {}, timeoutMs: 0 });
  await assert.rejects(ctx.sbx.commands.closeStdin(other.pid), /Ctrl\+D/);
  assert.equal(await ctx.sbx.pty.kill(other.pid), true);
  await assert.rejects(other.wait(), (e) => e.exitCode === -1);
  assert.equal(await ctx.sbx.pty.kill(other.pid), false);
});

test('PTY input to a pipe process and resize of a non-PTY are refused', { timeout: 20000 }, async () => {
  const h = await ctx.sbx.commands.run('sleep 10', { background: true, stdin: true });
  await assert.rejects(ctx.sbx.pty.sendInput(h.pid, Buffer.from('x')), /pty/);
  await assert.rejects(ctx.sbx.pty.resize(h.pid, { cols: 10, rows: 10 }), /pty/);
  await h.kill();
});
