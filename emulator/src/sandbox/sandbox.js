'use strict';
// One sandbox: its private root, its users, its processes (spawn, freeze/thaw, kill).
// The interface envd uses is documented in docs/internals.md §4.
const { EventEmitter } = require('events');
const { spawn, execFile } = require('child_process');
const fs = require('fs');
const path = require('path');
const isolation = require('./isolation');
const proc = require('./proc');
const { USERS, createRootfs } = require('./rootfs');
const { mapPath } = require('./paths');
const { ChildHandle } = require('./child');
const network = require('./network');
const log = require('../log');

const MAX_LOGS = 1000;

class Sandbox extends EventEmitter {
  // opts: { id, dir, envdAccessToken, envVars, ... } — everything else the API reports is kept
  // by the registry on `sbx.meta`.
  // layer: a host dir from checkpoint() (rootfs/, passwd, group) whose files the sandbox starts
  // with; user / workdir: the template's defaults.
  constructor({ id, dir, envdAccessToken, envVars, layer, user, workdir }) {
    super();
    this.setMaxListeners(0); // every envd stream listens for pause/kill
    this.id = id;
    this.state = 'starting';
    this.envdAccessToken = envdAccessToken || null;
    this.envVars = { ...(envVars || {}) };
    this.users = { ...USERS }; // name -> {name, uid, gid, home}; a template build may add more
    this.defaultUser = user || 'user';
    if (workdir) this.defaultWorkdir = workdir;
    this._layer = layer || null;
    this.processes = new Map(); // owned by envd/process.js
    this.logs = [];
    this._dir = dir;
    this._iso = isolation.detect();
    this._wrappers = new Set(); // ChildHandles started by spawn and still running
    this._init = null; // { outer, inner, ns } in bwrap mode
    this.net = new network.SandboxNetwork(this._iso.network);
  }

  // 'isolated' (own network namespace) or 'shared' (the host's network), see network.js.
  get networkMode() { return this.net.mode; }

  // True when a port a sandbox process listens on is the host's (two sandboxes would collide).
  get sharedNetwork() { return !this.net.isolated; }

  // Where the emulator connects to reach TCP `port` of this sandbox: { host, port }. The only way
  // in from outside (envd/router.js proxies through it); in shared mode the host's 127.0.0.1.
  portTarget(port) {
    return this.net.portTarget(port);
  }

  // Shared network only: a server that could not own `port` on the host listens on hostPort;
  // portTarget(port) then leads there. No effect with an isolated network (ports never collide).
  mapPort(port, hostPort) {
    this.net.mapPort(port, hostPort);
  }

  // Replaces the egress rules: { allowInternetAccess, allowOut, denyOut } as on the wire.
  // Rejects with network.EgressError for malformed entries (nothing applied then).
  async setEgress(cfg) {
    await this.net.applyEgress(cfg);
  }

  get isolated() { return this._iso.mode === 'bwrap'; }

  async start() {
    this._layout = createRootfs(this._dir, { chown: this._iso.isRoot });
    this._layout.helperDir = isolation.HELPER_DIR;
    if (this._layer) {
      await applyLayer(this._layer, this._dir, this._layout);
      this.users = { ...USERS, ...usersOf(fs.readFileSync(this._layout.passwd, 'utf8')) };
    }
    if (this.isolated) {
      this._writeNetFiles();
      await this._startInit();
      await this.net.setup(this._init.waiter);
    }
    this.state = 'running';
    this.log('info', 'sandbox started', { isolation: this._iso.mode, network: this.net.mode });
  }

  // /etc/hosts (host.e2b.internal) and, in its own namespace, /etc/resolv.conf (slirp's DNS).
  // Only bound over the host's files when those are plain files (bwrap follows symlinks).
  _writeNetFiles() {
    const plain = (p) => { try { return fs.lstatSync(p).isFile(); } catch { return false; } };
    if (plain('/etc/hosts')) {
      this._layout.hosts = path.join(this._dir, 'hosts');
      fs.writeFileSync(this._layout.hosts, network.hostsText(this.net.mode), { mode: 0o644 });
    }
    if (this.net.isolated && plain('/etc/resolv.conf')) {
      this._layout.resolv = path.join(this._dir, 'resolv.conf');
      fs.writeFileSync(this._layout.resolv, network.resolvText(), { mode: 0o644 });
    }
  }

  async _startInit() {
    const argv = isolation.initArgv(this._iso.tools, this._layout, { isolatedNet: this.net.isolated });
    const outer = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    outer.stderr.on('data', (d) => { stderr += d; });
    const deadline = Date.now() + 10000;
    for (;;) {
      if (outer.exitCode !== null || outer.signalCode !== null) {
        throw new Error(`bwrap exited while starting the sandbox: ${stderr.trim()}`);
      }
      const inner = proc.childrenOf(outer.pid)[0];
      const waiter = inner && proc.childrenOf(inner)[0];
      if (waiter && proc.stat(waiter) && proc.stat(waiter).comm === 'sleep') {
        this._init = { outer, inner, waiter, ns: proc.pidNamespace(waiter) };
        break;
      }
      if (Date.now() > deadline) { outer.kill('SIGKILL'); throw new Error('timed out starting the sandbox'); }
      await new Promise((r) => setTimeout(r, 5));
    }
    outer.on('exit', () => {
      if (this.state !== 'killed') log.warn(`sandbox ${this.id}: its init exited unexpectedly`);
    });
  }

  lookupUser(name) {
    const u = Object.prototype.hasOwnProperty.call(this.users, name) ? this.users[name] : null;
    if (!u) throw new Error('unknown user');
    return { ...u };
  }

  // A new user with its own group and home (a template's USER step): what `useradd
  // --create-home` gives. Its lines go into the sandbox's own /etc/passwd and /etc/group.
  addUser(name) {
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(name)) throw new Error(`invalid user name '${name}'`);
    if (this.users[name]) return this.lookupUser(name);
    const used = Object.values(this.users).map((u) => u.uid).filter((n) => n < 60000);
    const uid = Math.max(1000, ...used) + 1;
    const u = { name, uid, gid: uid, home: `/home/${name}` };
    fs.appendFileSync(this._layout.passwd, `${name}:x:${uid}:${uid}:${name}:${u.home}:/bin/bash\n`);
    fs.appendFileSync(this._layout.group, `${name}:x:${uid}:\n`);
    const home = path.join(this._layout.rootfs, 'home', name);
    fs.mkdirSync(home, { recursive: true, mode: 0o755 });
    if (this._iso.isRoot) fs.chownSync(home, uid, uid);
    this.users[name] = u;
    return { ...u };
  }

  // Absolute sandbox path -> host path. Lexical (callers resolve symlinks in sandbox space).
  // opts.write: throws {code:'EACCES'} for the read-only host trees (/usr, /etc, …).
  hostPath(sandboxPath, opts) {
    return mapPath(this._layout, sandboxPath, opts);
  }

  // See docs/internals.md §4.
  spawn({ cmd, args = [], envs = {}, cwd, user, pty = null, stdin = false }) {
    if (this.state !== 'running') throw new Error(`sandbox ${this.id} is ${this.state}`);
    if (typeof cmd !== 'string' || cmd === '') throw new Error('cmd must be a non-empty string');
    const u = this.lookupUser(user || this.defaultUser);
    const env = {
      PATH: isolation.SYSTEM_PATH,
      HOME: this.isolated ? u.home : this.hostPath(u.home),
      USER: u.name,
      LOGNAME: u.name,
      SHELL: '/bin/bash',
      LANG: 'C.UTF-8',
      ...(pty ? { TERM: 'xterm-256color' } : {}),
      ...this.envVars,
      ...envs,
    };
    const workdir = cwd || u.home;
    let command = [cmd, ...args.map(String)];
    if (pty) {
      const helper = this.isolated ? '/opt/e2b/pty-helper.py' : path.join(isolation.HELPER_DIR, 'pty-helper.py');
      const py = this.isolated ? '/usr/bin/python3' : (this._iso.python || 'python3');
      command = [py, helper, String(pty.cols || 80), String(pty.rows || 24), '--', ...command];
    }
    const stdio = [pty || stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'];
    if (pty) stdio.push('pipe');
    let child;
    if (this.isolated) {
      // fd 4: the process's pid inside the sandbox, written by the process itself before it
      // becomes the command (exec keeps the pid); under a pty the helper writes its child's.
      if (!pty) { stdio.push('ignore'); command = ['/bin/sh', '-c', 'echo $$ >&4; exec 4>&-; exec "$@"', 'sh', ...command]; }
      stdio.push('pipe');
      const argv = isolation.execArgv(this._iso.tools, this._init.waiter, u, workdir, command, { net: this.net.isolated });
      child = spawn(argv[0], argv.slice(1), { env, stdio });
    } else {
      if (pty) stdio.push('pipe'); // the helper reports its child's pid, the shell's $$
      const opts = { env, stdio, cwd: this.hostPath(workdir), detached: true };
      if (this._iso.isRoot) { opts.uid = u.uid; opts.gid = u.gid; }
      child = spawn(command[0], command.slice(1), opts);
    }
    const handle = new ChildHandle(child, { wrapped: this.isolated, pty: !!pty, reportsPid: this.isolated || !!pty });
    if (pty) child.stderr.resume(); // the helper's own complaints; the terminal is on stdout
    this._wrappers.add(handle);
    handle.on('exit', () => this._wrappers.delete(handle));
    this.log('debug', 'process started', { cmd, user: u.name });
    return handle;
  }

  // Every host pid that belongs to the sandbox (for freeze, kill and metrics).
  pids() {
    const wrappers = [...this._wrappers].map((h) => h.hostPid).filter(Boolean);
    if (this.isolated && this._init) {
      const own = proc.inNamespace(this._init.ns);
      return [...new Set([this._init.outer.pid, ...own, ...wrappers])];
    }
    return proc.descendants(wrappers);
  }

  // Processes started by users (not the sandbox's own init).
  userPids() {
    const init = this._init ? [this._init.outer.pid, this._init.inner, this._init.waiter] : [];
    return this.pids().filter((p) => !init.includes(p));
  }

  pause({ memory = true } = {}) {
    if (this.state !== 'running') throw new Error(`sandbox ${this.id} is ${this.state}`);
    if (memory) proc.signalAll(this.pids(), 'SIGSTOP');
    else this.dropProcesses(); // filesystem-only snapshot: processes are lost
    this.state = 'paused';
    this.log('info', 'sandbox paused', { memory });
    this.emit('paused');
  }

  // Copies the sandbox's own files (its root and users) to host dir `dest` (created; the layer
  // format applyLayer reads) while every process is stopped, so the copy is of one moment.
  async checkpoint(dest) {
    if (this.state !== 'running') throw new Error(`sandbox ${this.id} is ${this.state}`);
    this._freeze();
    try {
      fs.mkdirSync(dest, { recursive: true });
      await cp(this._layout.rootfs, path.join(dest, 'rootfs'));
      for (const f of ['passwd', 'group']) fs.copyFileSync(this._layout[f], path.join(dest, f));
    } finally {
      if (this.state === 'running') this._thaw();
    }
    this.log('info', 'sandbox checkpointed');
  }

  _freeze() { proc.signalAll(this.pids(), 'SIGSTOP'); }

  _thaw() {
    const wrappers = [...this._wrappers].map((h) => h.hostPid);
    proc.signalAll(this.pids().filter((p) => !wrappers.includes(p)), 'SIGCONT');
    proc.signalAll(wrappers, 'SIGCONT'); // nsenter stops itself when its child stops
  }

  // Cold boot: every user process is gone, files stay.
  dropProcesses() {
    proc.signalAll(this.userPids(), 'SIGKILL');
  }

  resume() {
    if (this.state !== 'paused') throw new Error(`sandbox ${this.id} is ${this.state}`);
    this._thaw();
    this.state = 'running';
    this.log('info', 'sandbox resumed');
    this.emit('resumed');
  }

  // SIGKILL everything, remove the sandbox's files. Idempotent.
  async kill() {
    if (this.state === 'killed') return;
    const wasStarted = this.state !== 'starting';
    this.state = 'killed';
    proc.signalAll(this.pids(), 'SIGKILL');
    if (this._init) await waitExit(this._init.outer);
    for (const h of this._wrappers) await waitExit(h._child);
    this._wrappers.clear();
    this.net.teardown();
    fs.rmSync(this._dir, { recursive: true, force: true });
    if (wasStarted) this.emit('killed');
  }

  // Sync variant for process exit handlers.
  killSync() {
    if (this.state === 'killed') return;
    this.state = 'killed';
    proc.signalAll(this.pids(), 'SIGKILL');
    this.net.teardown();
    fs.rmSync(this._dir, { recursive: true, force: true });
  }

  log(level, message, fields) {
    this.logs.push({ timestamp: new Date().toISOString(), level, message, fields: fields || {} });
    if (this.logs.length > MAX_LOGS) this.logs.shift();
  }

  // CPU ticks and resident memory of every process of the sandbox right now.
  usage() {
    let ticks = 0;
    let rss = 0;
    for (const p of this.pids()) {
      const s = proc.stat(p);
      if (s) { ticks += s.ticks; rss += s.rss; }
    }
    return { ticks, rss };
  }

  diskUsed() {
    return duBytes(this._layout.rootfs, 20000);
  }

  toString() { return `Sandbox(${this.id}, ${this.state})`; }
}

// `cp -a` keeps owners, modes, links and empty dirs (fs.cpSync keeps no owners).
function cp(from, to) {
  return new Promise((resolve, reject) => {
    execFile('cp', ['-a', '--reflink=auto', from, to], { maxBuffer: 1 << 20 }, (err, _out, stderr) => {
      if (err) reject(new Error(`copying the sandbox's files failed: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
  });
}

// Tops of the root that belong to the host or the kernel (bound over at start): never copied.
const NOT_OWN = new Set(['usr', 'etc', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32', 'proc', 'dev', 'sys']);

// Puts a checkpoint's files into a freshly laid-out root (each own top-level tree replaced).
async function applyLayer(layer, dir, layout) {
  const from = path.join(layer, 'rootfs');
  for (const name of fs.readdirSync(from)) {
    if (NOT_OWN.has(name)) continue;
    fs.rmSync(path.join(layout.rootfs, name), { recursive: true, force: true });
    await cp(path.join(from, name), path.join(layout.rootfs, name));
  }
  for (const f of ['passwd', 'group']) {
    const p = path.join(layer, f);
    if (fs.existsSync(p)) fs.copyFileSync(p, layout[f]);
  }
}

// /etc/passwd text -> { name: {name, uid, gid, home} } (the users a layer brought).
function usersOf(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || !/^\d+$/.test(f[2]) || !/^\d+$/.test(f[3])) continue;
    if (f[0] === 'nobody') continue;
    out[f[0]] = { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] };
  }
  return out;
}

function waitExit(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, 3000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
  });
}

// Bounded walk: metrics must stay cheap even for a sandbox full of files.
function duBytes(root, maxEntries) {
  let total = 0;
  let seen = 0;
  const todo = [root];
  while (todo.length && seen < maxEntries) {
    const dir = todo.pop();
    let entries;
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { continue; }
    for (const e of entries) {
      seen++;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) todo.push(p);
      else if (e.isFile()) { try { total += fs.lstatSync(p).size; } catch { /* raced */ } }
    }
  }
  return total;
}

module.exports = { Sandbox };
