'use strict';
// filesystem.Filesystem and /files through the official e2b client, plus signed URLs by fetch.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('crypto');
const http = require('http');
const { Sandbox, FileNotFoundError, InvalidArgumentError, AuthenticationError, SandboxError } = require('e2b');
const { startSandboxWithEnvd } = require('../src/envd/standalone');
const { officialSandboxOnEnvd } = require('./helpers');
const { createEnvdHandler } = require('../src/envd/services');
const { sign } = require('../src/envd/signature');

const ctx = officialSandboxOnEnvd(test);

test('write and read: text, bytes, empty, relative paths, users', { timeout: 20000 }, async () => {
  const info = await ctx.sbx.files.write('notes/a.txt', 'héllo');
  assert.deepEqual({ path: info.path, name: info.name, type: info.type }, { path: '/home/user/notes/a.txt', name: 'a.txt', type: 'file' });
  assert.equal(await ctx.sbx.files.read('/home/user/notes/a.txt'), 'héllo');
  assert.deepEqual([...await ctx.sbx.files.read('~/notes/a.txt', { format: 'bytes' })], [...Buffer.from('héllo')]);
  await ctx.sbx.files.write('/tmp/empty', '');
  assert.equal(await ctx.sbx.files.read('/tmp/empty'), '');
  const asRoot = await ctx.sbx.files.write('r.txt', 'x', { user: 'root' });
  assert.equal(asRoot.path, '/root/r.txt');
  assert.equal((await ctx.sbx.files.getInfo('/root/r.txt')).owner, 'root');
  assert.equal((await ctx.sbx.files.getInfo('notes')).owner, 'user', 'created parents belong to the user');
  assert.equal((await ctx.sbx.commands.run('cat /home/user/notes/a.txt')).stdout, 'héllo');
});

test('several files in one multipart request, in order, with metadata', { timeout: 20000 }, async () => {
  const out = await ctx.sbx.files.write([
    { path: '/home/user/m/one.txt', data: '1' },
    { path: 'm/deep/two.bin', data: new Uint8Array([0, 1, 2, 255]).buffer },
    { path: '/tmp/three.txt', data: new Blob(['three']) },
  ], { metadata: { Owner: 'alice' } });
  assert.deepEqual(out.map((i) => i.path), ['/home/user/m/one.txt', '/home/user/m/deep/two.bin', '/tmp/three.txt']);
  assert.deepEqual(out[0].metadata, { owner: 'alice' });
  assert.deepEqual([...await ctx.sbx.files.read('m/deep/two.bin', { format: 'bytes' })], [0, 1, 2, 255]);
  assert.deepEqual((await ctx.sbx.files.getInfo('/tmp/three.txt')).metadata, { owner: 'alice' });
  await ctx.sbx.files.write('/tmp/three.txt', 'again');
  assert.equal((await ctx.sbx.files.getInfo('/tmp/three.txt')).metadata, undefined, 'an upload replaces metadata');
});

test('64 MiB binary round trip, multipart and gzip octet-stream', { timeout: 60000 }, async () => {
  const data = crypto.randomBytes(64 * 1024 * 1024);
  const digest = crypto.createHash('sha256').update(data).digest('hex');
  await ctx.sbx.files.write('/tmp/big.bin', data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
  const back = await ctx.sbx.files.read('/tmp/big.bin', { format: 'bytes' });
  assert.equal(back.length, data.length);
  assert.equal(crypto.createHash('sha256').update(back).digest('hex'), digest);
  const stream = new Blob([data]).stream();
  await ctx.sbx.files.write('/tmp/big2.bin', stream, { gzip: true });
  assert.equal((await ctx.sbx.commands.run('sha256sum /tmp/big2.bin')).stdout.split(' ')[0], digest);
  // node's fetch decodes big gzip bodies slowly: the gzip download is checked on 4 MiB.
  await ctx.sbx.commands.run('head -c 4194304 /tmp/big2.bin > /tmp/head.bin');
  const gz = await ctx.sbx.files.read('/tmp/head.bin', { format: 'bytes', gzip: true });
  assert.equal(crypto.createHash('sha256').update(gz).digest('hex'), crypto.createHash('sha256').update(data.subarray(0, 4194304)).digest('hex'));
});

test('stat, list with depth and symlinks, makeDir, rename, remove', { timeout: 20000 }, async () => {
  await ctx.sbx.commands.run('mkdir -p /home/user/t/a/b && echo 12345 > /home/user/t/a/f.txt && chmod 640 /home/user/t/a/f.txt && ' +
    'ln -s /home/user/t/a /home/user/t/link && ln -s /nowhere /home/user/t/dangling');
  const f = await ctx.sbx.files.getInfo('t/a/f.txt');
  assert.equal(f.size, 6);
  assert.equal(f.mode, 0o640);
  assert.equal(f.permissions, '-rw-r-----');
  assert.ok(f.modifiedTime instanceof Date && !Number.isNaN(f.modifiedTime.getTime()));
  assert.equal(await ctx.sbx.files.exists('t/a/nope'), false);
  assert.equal(await ctx.sbx.files.exists('t/a'), true);

  const one = await ctx.sbx.files.list('/home/user/t');
  assert.deepEqual(one.map((e) => e.name), ['a', 'link'], 'the SDK drops the dangling link (type unspecified)');
  const link = one.find((e) => e.name === 'link');
  assert.equal(link.type, 'dir');
  assert.equal(link.symlinkTarget, '/home/user/t/a');
  const two = await ctx.sbx.files.list('/home/user/t', { depth: 2 });
  assert.deepEqual(two.map((e) => e.path), ['/home/user/t/a', '/home/user/t/a/b', '/home/user/t/a/f.txt', '/home/user/t/link']);
  const viaLink = await ctx.sbx.files.list('/home/user/t/link');
  assert.deepEqual(viaLink.map((e) => e.path), ['/home/user/t/link/b', '/home/user/t/link/f.txt'], 'paths built from the requested path');

  assert.equal(await ctx.sbx.files.makeDir('t/new/deeper'), true);
  assert.equal(await ctx.sbx.files.makeDir('t/new/deeper'), false);
  await assert.rejects(ctx.sbx.files.makeDir('t/a/f.txt'), InvalidArgumentError);
  const moved = await ctx.sbx.files.rename('t/a/f.txt', 't/elsewhere/g.txt');
  assert.equal(moved.path, '/home/user/t/elsewhere/g.txt');
  assert.equal(await ctx.sbx.files.read('t/elsewhere/g.txt'), '12345\n');
  await assert.rejects(ctx.sbx.files.rename('t/missing', 't/x'), FileNotFoundError);
  await ctx.sbx.files.remove('t');
  await ctx.sbx.files.remove('t'); // missing: still succeeds
  assert.equal(await ctx.sbx.files.exists('t'), false);
});

test('errors: missing, directories, bad paths, read-only trees, unknown users', { timeout: 20000 }, async (t) => {
  await assert.rejects(ctx.sbx.files.read('/home/user/none.txt'), (e) => e instanceof FileNotFoundError && /does not exist/.test(e.message));
  await assert.rejects(ctx.sbx.files.read('/home/user'), (e) => e instanceof InvalidArgumentError && /is a directory/.test(e.message));
  await assert.rejects(ctx.sbx.files.list('/etc/hostname'), InvalidArgumentError);
  await assert.rejects(ctx.sbx.files.list('/no/such/dir'), FileNotFoundError);
  await assert.rejects(ctx.sbx.files.getInfo('~root/x'), InvalidArgumentError);
  await assert.rejects(ctx.sbx.files.write('/usr/evil.txt', 'x'), (e) => e instanceof SandboxError && /403/.test(e.message));
  await assert.rejects(ctx.sbx.files.remove('/usr/bin'), SandboxError);
  await ctx.sbx.files.makeDir('/home/user/into-itself');
  await assert.rejects(ctx.sbx.files.rename('/home/user/into-itself/', '/home/user/into-itself/b'),
    InvalidArgumentError, 'a directory moved into itself is a bad request, not an internal error');
  await assert.rejects(ctx.sbx.files.read('x', { user: 'mallory' }), AuthenticationError);
  await assert.rejects(ctx.sbx.files.list('/', { user: 'mallory' }), AuthenticationError);
  assert.equal((await ctx.sbx.files.read('/etc/passwd')).split('\n')[1].split(':')[0], 'user', 'the sandbox sees its own /etc/passwd');
  const hostSecret = `/tmp/host-secret-${process.pid}`;
  require('fs').writeFileSync(hostSecret, 'host only');
  t.after(() => require('fs').rmSync(hostSecret, { force: true }));
  await ctx.sbx.commands.run(`ln -sf ${hostSecret} /home/user/secret-link`);
  await assert.rejects(ctx.sbx.files.read('secret-link'), FileNotFoundError, 'links resolve inside the sandbox, never to host files');
});

test('signed URLs: download and upload with a plain fetch, expiry, sandbox found by signature', { timeout: 20000 }, async () => {
  const secure = await startSandboxWithEnvd({ secure: true });
  const token = secure.sandbox.envdAccessToken;
  const server = http.createServer((req, res) => createEnvdHandler({ registry: secure.registry })(req, res, null));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const bare = `http://127.0.0.1:${server.address().port}`;
  try {
    const q = (o) => new URLSearchParams(o).toString();
    const up = sign({ path: '/home/user/s.txt', operation: 'write', username: 'user', token });
    let r = await fetch(`${secure.url}/files?${q({ path: '/home/user/s.txt', username: 'user', signature: up })}`, {
      method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: 'signed!' });
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal((await r.json())[0].path, '/home/user/s.txt');
    const down = sign({ path: '/home/user/s.txt', operation: 'read', token });
    r = await fetch(`${secure.url}/files?${q({ path: '/home/user/s.txt', signature: down })}`);
    assert.equal(await r.text(), 'signed!');
    assert.equal(r.headers.get('content-disposition'), 'inline; filename=s.txt');
    r = await fetch(`${bare}/files?${q({ path: '/home/user/s.txt', signature: down })}`);
    assert.equal(await r.text(), 'signed!', 'a signed URL without sandbox id finds its sandbox');

    r = await fetch(`${secure.url}/files?${q({ path: '/home/user/s.txt', signature: up })}`);
    assert.equal(r.status, 401);
    assert.deepEqual(await r.json(), { code: 401, message: 'invalid signature' });
    r = await fetch(`${secure.url}/files?${q({ path: '/home/user/s.txt' })}`);
    assert.equal((await r.json()).message, 'missing signature query parameter');
    const past = Math.floor(Date.now() / 1000) - 10;
    const old = sign({ path: '/home/user/s.txt', operation: 'read', token, expiration: past });
    r = await fetch(`${secure.url}/files?${q({ path: '/home/user/s.txt', signature: old, signature_expiration: past })}`);
    assert.equal((await r.json()).message, 'signature is already expired');
    const future = past + 600;
    const fresh = sign({ path: '/home/user/s.txt', operation: 'read', token, expiration: future });
    r = await fetch(`${secure.url}/files?${q({ path: '/home/user/s.txt', signature: fresh, signature_expiration: future })}`);
    assert.equal(r.status, 200);
    await r.arrayBuffer();
    r = await fetch(`${secure.url}/files?path=/home/user/s.txt`, { headers: { 'X-Access-Token': 'wrong' } });
    const body = await r.json();
    assert.equal(body.message, 'access token present in header but does not match');
    assert.ok(!JSON.stringify(body).includes(token), 'the token never appears in errors');
    r = await fetch(`${secure.url}/files?path=/home/user/s.txt`, { headers: { 'X-Access-Token': token } });
    assert.equal(await r.text(), 'signed!');
  } finally {
    await new Promise((r) => server.close(r));
    await secure.close();
  }
});

test('raw /files protocol: 406, ranges, duplicate multipart paths, bad content types', { timeout: 20000 }, async () => {
  await ctx.sbx.files.write('/tmp/r.txt', '0123456789');
  let r = await fetch(`${ctx.env.url}/files?path=/tmp/r.txt`, { headers: { 'Accept-Encoding': 'identity;q=0' } });
  assert.equal(r.status, 406);
  assert.equal((await r.json()).message, 'no acceptable encoding found, supported: [gzip]');
  r = await fetch(`${ctx.env.url}/files?path=/tmp/r.txt`, { headers: { Range: 'bytes=2-4' } });
  assert.equal(r.status, 206);
  assert.equal(await r.text(), '234');
  const form = new FormData();
  form.append('file', new Blob(['a']), '/tmp/dup.txt');
  form.append('file', new Blob(['b']), '/tmp/dup.txt');
  r = await fetch(`${ctx.env.url}/files`, { method: 'POST', body: form });
  assert.equal(r.status, 400);
  assert.match((await r.json()).message, /cannot upload multiple files to the same path '\/tmp\/dup.txt'/);
  r = await fetch(`${ctx.env.url}/files?path=/tmp/x`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' });
  assert.deepEqual(await r.json(), { code: 400, message: 'unsupported content type: text/plain' });
  r = await fetch(`${ctx.env.url}/files?path=/tmp/x`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream', 'Content-Encoding': 'gzip' }, body: 'not gzip' });
  assert.equal(r.status, 400);
  r = await fetch(`${ctx.env.url}/files`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=zz' }, body: '--zz\r\nContent-Disposition: form-data; name="file"; filename="/tmp/t"\r\n\r\nunterminated' });
  assert.equal(r.status, 400);
  assert.match((await r.json()).message, /closing boundary/);
  r = await fetch(`${ctx.env.url}/files?path=/tmp/m.txt`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream', 'X-Metadata-Bad': 'tab\there' }, body: 'x' });
  assert.equal(r.status, 400);
  assert.match((await r.json()).message, /^invalid metadata/);
});

test('end to end through the emulator: files, URLs signed, routed by header or refused clearly', { timeout: 60000 }, async () => {
  const { startEmulator, sdkOpts, api } = require('./helpers');
  const emu = await startEmulator();
  try {
    const s = await Sandbox.create(sdkOpts(emu));
    assert.match(s.envdAccessToken, /^[0-9a-f]{64}$/, 'e2b 2.51 creates through v2: secure by default');
    await s.files.write([{ path: 'e2e/a.txt', data: 'A' }, { path: 'e2e/b.txt', data: 'B' }]);
    assert.deepEqual((await s.files.list('e2e')).map((e) => e.name), ['a.txt', 'b.txt']);
    const signed = await s.downloadUrl('/home/user/e2e/a.txt');
    assert.ok(!signed.includes(s.sandboxId), 'with E2B_SANDBOX_URL the URL carries no sandbox id');
    assert.equal(await (await fetch(signed)).text(), 'A', 'a signed URL finds its sandbox by signature');

    // An unsigned URL (unsecured sandbox: v2 with secure: false, which e2b 2.51 cannot ask for,
    // so it is created raw and connected) names no sandbox: refused unless the header routes it.
    const made = await api(emu, 'POST', '/v2/sandboxes', { templateID: 'base', secure: false });
    const open = await Sandbox.connect(made.body.sandboxID, sdkOpts(emu));
    assert.equal(open.envdAccessToken, undefined);
    await open.files.write('e2e/a.txt', 'open A');
    const url = await open.downloadUrl('/home/user/e2e/a.txt');
    assert.ok(!/signature/.test(url), url);
    let r = await fetch(url);
    assert.equal(r.status, 400);
    assert.match((await r.json()).message, /names no sandbox/);
    r = await fetch(url, { headers: { 'E2b-Sandbox-Id': open.sandboxId, 'E2b-Sandbox-Port': '49983' } });
    assert.equal(await r.text(), 'open A');
    await s.kill();
    await open.kill();
  } finally {
    await emu.stop();
  }
});
