'use strict';
// Each sandbox's own network (sandbox/network.js), through the official SDK: ports that do not
// collide and are reachable only through the port routing, egress rules (allowInternetAccess,
// allowOut / denyOut, updateNetwork) enforced inside the namespace, and in-sandbox pids.
// Traffic goes only to loopback servers this file starts and to the sandboxes' own namespaces.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('http');
const net = require('net');
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Sandbox, ALL_TRAFFIC } = require('e2b');
const { startEmulator, sdkOpts, api, waitFor, httpGet, freePort } = require('./helpers');

let emu;
let hostServer;
let hostPort;
const NEEDS = 'sandboxes share the host network here (the emulator said "network":"shared")';
// Skips the calling test, by its name, when the emulator could not give sandboxes a network.
function needsIsolation(t) {
  if (emu.network === 'isolated') return false;
  t.skip(NEEDS);
  return true;
}

before(async () => {
  emu = await startEmulator();
  // A service on the host's loopback, what `git clone http://host.e2b.internal:<port>/…` reaches.
  hostServer = http.createServer((req, res) => res.end('host loopback says hi'));
  await new Promise((r) => hostServer.listen(0, '127.0.0.1', r));
  hostPort = hostServer.address().port;
});
after(async () => {
  hostServer.close();
  await emu.stop();
});



// Status line of the host's loopback server as fetched from inside the sandbox: '200 …' or 'ERR'.
async function reachHost(sbx) {
  const r = await sbx.commands.run(
    `curl -sS --max-time 3 http://host.e2b.internal:${hostPort}/ && echo || echo ERR`, { timeoutMs: 10000 });
  return r.stdout.trim();
}

async function hostAddr(sbx) {
  const r = await sbx.commands.run('getent hosts host.e2b.internal');
  return r.stdout.trim().split(/\s+/)[0];
}

test('two sandboxes serve different content on the same port, each through its own routing', { timeout: 40000 }, async (t) => {
  if (needsIsolation(t)) return;
  const port = await freePort(); // free on the host, so nothing else of the host answers there
  const [a, b] = await Promise.all([Sandbox.create('base', sdkOpts(emu)), Sandbox.create('base', sdkOpts(emu))]);
  try {
    for (const [sbx, text] of [[a, 'I am A'], [b, 'I am B']]) {
      await sbx.files.write('/home/user/www/who.txt', text);
      await sbx.commands.run(`cd /home/user/www && exec python3 -m http.server ${port} --bind 127.0.0.1`, { background: true, timeoutMs: 0 });
    }
    const byHeader = (sbx) => httpGet(`${emu.sandboxUrl}/who.txt`, { 'E2b-Sandbox-Id': sbx.sandboxId, 'E2b-Sandbox-Port': String(port) });
    const byHost = (sbx) => httpGet(`${emu.sandboxUrl}/who.txt`, { Host: sbx.getHost(port) });
    await waitFor(async () => (await byHeader(a)).status === 200 && (await byHeader(b)).status === 200);
    assert.deepEqual(await byHeader(a), { status: 200, body: 'I am A' });
    assert.deepEqual(await byHeader(b), { status: 200, body: 'I am B' });
    assert.deepEqual(await byHost(a), { status: 200, body: 'I am A' });
    assert.deepEqual(await byHost(b), { status: 200, body: 'I am B' });

    // One sandbox cannot reach the other's port through its namespace address either.
    const bAddr = /inet (\S+)\//.exec((await b.commands.run('ip -o -4 addr show eth0')).stdout)[1];
    const cross = await a.commands.run(`curl -sS --max-time 3 http://${bAddr}:${port}/who.txt || echo ERR`);
    assert.equal(cross.stdout.trim().split('\n').pop(), 'ERR');

    // The host's own 127.0.0.1:<port> is not the sandbox's port.
    const direct = await httpGet(`http://127.0.0.1:${port}/who.txt`).catch((e) => e);
    assert.equal(direct.code, 'ECONNREFUSED', `the host's 127.0.0.1:${port} answered: ${JSON.stringify(direct)}`);
  } finally {
    await Promise.all([a.kill(), b.kill()]);
  }
});

test('a default sandbox reaches the host loopback as host.e2b.internal; allowInternetAccess:false cannot', { timeout: 40000 }, async (t) => {
  if (needsIsolation(t)) return;
  const open = await Sandbox.create('base', sdkOpts(emu));
  const closed = await Sandbox.create('base', sdkOpts(emu, { allowInternetAccess: false }));
  try {
    assert.equal(await reachHost(open), 'host loopback says hi');
    assert.equal(await reachHost(closed), 'ERR');
    // Its own loopback still works.
    await closed.commands.run('python3 -m http.server 8000 --bind 127.0.0.1', { background: true, timeoutMs: 0 });
    await waitFor(async () => (await closed.commands.run('curl -s -o /dev/null -w %{http_code} --max-time 2 http://127.0.0.1:8000/ || true')).stdout === '200');
  } finally {
    await Promise.all([open.kill(), closed.kill()]);
  }
});

test('denyOut of the host address blocks it, allowOut re-opens it over a deny-all', { timeout: 40000 }, async (t) => {
  if (needsIsolation(t)) return;
  const probe = await Sandbox.create('base', sdkOpts(emu));
  const addr = await hostAddr(probe);
  await probe.kill();
  assert.ok(net.isIPv4(addr), `host.e2b.internal resolves to an address inside the sandbox, got '${addr}'`);
  const denied = await Sandbox.create('base', sdkOpts(emu, { network: { denyOut: [addr] } }));
  const allowed = await Sandbox.create('base', sdkOpts(emu, { network: { denyOut: [ALL_TRAFFIC], allowOut: [`${addr}/32`] } }));
  const byName = await Sandbox.create('base', sdkOpts(emu, { allowInternetAccess: false, network: { allowOut: ['host.e2b.internal'] } }));
  try {
    assert.equal(await reachHost(denied), 'ERR');
    assert.equal(await reachHost(allowed), 'host loopback says hi');
    assert.equal(await reachHost(byName), 'host loopback says hi');
  } finally {
    await Promise.all([denied.kill(), allowed.kill(), byName.kill()]);
  }
});

test('updateNetwork changes the rules of a running sandbox; malformed entries are a 400', { timeout: 40000 }, async (t) => {
  if (needsIsolation(t)) return;
  const sbx = await Sandbox.create('base', sdkOpts(emu));
  try {
    assert.equal(await reachHost(sbx), 'host loopback says hi');
    await sbx.updateNetwork({ allowInternetAccess: false });
    assert.equal(await reachHost(sbx), 'ERR');
    assert.equal((await sbx.getInfo()).allowInternetAccess, false);
    const addr = await hostAddr(sbx);
    await sbx.updateNetwork({ allowInternetAccess: false, allowOut: [addr] });
    assert.equal(await reachHost(sbx), 'host loopback says hi');
    await sbx.updateNetwork({ denyOut: [addr] });
    assert.equal(await reachHost(sbx), 'ERR');
    await sbx.updateNetwork({}); // replaces everything: omitted fields are cleared
    assert.equal(await reachHost(sbx), 'host loopback says hi');

    const bad = await api(emu, 'PUT', `/sandboxes/${sbx.sandboxId}/network`, { denyOut: ['example.com'] });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /'denyOut' entries must be CIDR blocks or IP addresses/);
    assert.equal(await reachHost(sbx), 'host loopback says hi', 'a refused update changes nothing');
    const badCreate = await api(emu, 'POST', '/sandboxes', { templateID: 'base', network: { allowOut: ['10.0.0.0/33'] } });
    assert.equal(badCreate.status, 400);
  } finally {
    await sbx.kill();
  }
});

test('pids are the sandbox\'s own: a background command\'s pid is its $$', { timeout: 30000 }, async () => {
  const sbx = await Sandbox.create('base', sdkOpts(emu));
  try {
    let out = '';
    const h = await sbx.commands.run('echo $$; exec sleep 30', { background: true, timeoutMs: 0, onStdout: (d) => { out += d; } });
    await waitFor(() => out.includes('\n'));
    assert.equal(Number(out.trim()), h.pid);
    assert.ok((await sbx.commands.list()).some((p) => p.pid === h.pid));
    const ps = await sbx.commands.run(`cat /proc/${h.pid}/comm`);
    assert.equal(ps.stdout.trim(), 'sleep', 'the pid names the process inside the sandbox');
    const again = await sbx.commands.connect(h.pid);
    assert.equal(again.pid, h.pid);
    assert.equal(await sbx.commands.kill(h.pid), true);
    await assert.rejects(h.wait());
    // A PTY's pid is its shell's.
    let term = '';
    const pty = await sbx.pty.create({ cols: 80, rows: 24, onData: (d) => { term += Buffer.from(d).toString(); }, timeoutMs: 0 });
    await sbx.pty.sendInput(pty.pid, Buffer.from('echo "pid=$$"\n'));
    await waitFor(() => /pid=\d+/.test(term));
    assert.equal(Number(/pid=(\d+)/.exec(term)[1]), pty.pid);
    await sbx.pty.kill(pty.pid);
  } finally {
    await sbx.kill();
  }
});

// Host-side state of one sandbox's network: its veth's ifindex on the host and its slirp4netns.
async function hostState(sbx, emuPid) {
  const r = await sbx.commands.run('ip -o link show eth0');
  const ifindex = Number(/eth0@if(\d+)/.exec(r.stdout)[1]);
  const slirps = execFileSync('pgrep', ['-P', String(emuPid), 'slirp4netns'], { encoding: 'utf8' }).trim().split('\n').map(Number);
  return { ifindex, slirps };
}

function linkExists(ifindex) {
  return execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').some((l) => l.startsWith(`${ifindex}: `));
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

test('kill, and the emulator\'s own death, leave no veth or slirp4netns behind', { timeout: 40000 }, async (t) => {
  if (needsIsolation(t)) return;
  const sbx = await Sandbox.create('base', sdkOpts(emu));
  const st = await hostState(sbx, emu.child.pid);
  assert.ok(linkExists(st.ifindex));
  await sbx.kill();
  await waitFor(() => !linkExists(st.ifindex) && !st.slirps.some(alive), { timeoutMs: 5000 });

  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2b-netns-test-'));
  const doomed = await startEmulator({ args: ['--state-dir', path.join(stateDir, 'state')] });
  try {
    const s = await Sandbox.create('base', sdkOpts(doomed));
    const ds = await hostState(s, doomed.child.pid);
    assert.equal(ds.slirps.length, 1);
    doomed.child.kill('SIGKILL'); // no exit handler runs: bwrap's parent-death signal must do it
    await waitFor(() => !linkExists(ds.ifindex) && !ds.slirps.some(alive), { timeoutMs: 5000 });
  } finally {
    await doomed.stop();
    fs.rmSync(stateDir, { recursive: true, force: true }); // a SIGKILLed emulator cannot remove it
  }
});

test('a sandbox port keeps answering through pause and resume', { timeout: 30000 }, async (t) => {
  if (needsIsolation(t)) return;
  const sbx = await Sandbox.create('base', sdkOpts(emu));
  try {
    await sbx.files.write('/home/user/www/x.txt', 'still here');
    await sbx.commands.run('cd /home/user/www && exec python3 -m http.server 8000 --bind 127.0.0.1', { background: true, timeoutMs: 0 });
    const fetchX = () => httpGet(`${emu.sandboxUrl}/x.txt`, { 'E2b-Sandbox-Id': sbx.sandboxId, 'E2b-Sandbox-Port': '8000' }).catch(() => ({}));
    await waitFor(async () => (await fetchX()).status === 200);
    await sbx.pause();
    assert.equal((await fetchX()).status, 502, 'a paused sandbox is not routed to');
    await Sandbox.connect(sbx.sandboxId, sdkOpts(emu));
    assert.deepEqual(await fetchX(), { status: 200, body: 'still here' });
  } finally {
    await sbx.kill();
  }
});
