'use strict';
// Each sandbox's own network (docs/internals.md §4, "Network").
//
// "isolated": bwrap gives every sandbox a fresh network namespace (its own loopback). Into it go
//   * a veth pair: host end e2b<random> with 10.213.x.(4n+1)/30, sandbox end eth0 with .(4n+2).
//     It only carries the emulator's port routing: inside, nftables DNATs every TCP connection
//     arriving on eth0 to 127.0.0.1 (route_localnet), so a server bound to 127.0.0.1 answers too;
//     the sandbox may answer on eth0 but never open a connection through it.
//   * slirp4netns on tap0 (10.0.2.100, default route 10.0.2.2, DNS 10.0.2.3): a user-mode stack
//     that makes the sandbox's outbound connections as ordinary sockets of the host, so the sandbox
//     reaches what the host reaches; 10.0.2.2 leads to the host's loopback, the sandbox's
//     /etc/hosts names it host.e2b.internal.
//   * an nftables table in the namespace enforcing allow_internet_access / allowOut / denyOut.
//   The namespace lives as long as the sandbox's processes: when the last one dies (kill, or the
//   emulator's death, which bwrap --die-with-parent turns into the sandbox's), the kernel removes
//   it with its veth pair and its nft tables; slirp4netns exits when its exit-fd closes.
// "shared": the host's network (no root, no bwrap, a missing tool, or E2B_EMULATOR_NETWORK=shared):
//   sandbox ports are the host's 127.0.0.1 ports and egress rules are recorded but not enforced.
const { spawn, spawnSync, execFile } = require('child_process');
const crypto = require('crypto');
const dns = require('dns');
const net = require('net');
const log = require('../log');

const BASE = [10, 213]; // 10.213.0.0/16: the veth links of this emulator's namespaces, nothing else
const SLOTS = 16384; // /30s in the /16
const SLIRP_HOST = '10.0.2.2'; // slirp4netns: the host's loopback
const SLIRP_DNS = '10.0.2.3';
const HOST_NAME = 'host.e2b.internal';
const STEP_TIMEOUT = 5000;

const used = new Set(); // slots taken by this process

function run(file, args, input) {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: STEP_TIMEOUT, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${[file, ...args].join(' ')}: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

// -> { mode: 'isolated'|'shared', reason }. iso: the result of isolation.detect().
function detect(iso, which) {
  const tools = { ip: which('ip'), nft: which('nft'), slirp: which('slirp4netns'), nsenter: iso.tools.nsenter };
  let reason = '';
  if (process.env.E2B_EMULATOR_NETWORK === 'shared') reason = 'E2B_EMULATOR_NETWORK=shared';
  else if (iso.mode !== 'bwrap') reason = 'sandboxes are not in namespaces (bwrap isolation is off)';
  else if (!tools.ip || !tools.nft || !tools.slirp) reason = 'ip (iproute2), nft (nftables) or slirp4netns not found';
  else {
    const r = spawnSync(iso.tools.bwrap, ['--die-with-parent', '--unshare-net', '--ro-bind', '/', '/',
      '--proc', '/proc', '--dev', '/dev', '--', tools.ip, 'link', 'add', 'e2bprobe0', 'type', 'veth', 'peer', 'name', 'e2bprobe1'],
    { timeout: 5000, encoding: 'utf8' });
    if (r.status !== 0) reason = `network namespaces do not work here: ${(r.stderr || r.error || '').toString().trim()}`;
  }
  if (reason) log.warn(`sandboxes share the host's network: ${reason}`);
  return { mode: reason ? 'shared' : 'isolated', reason, tools };
}

// A random /30 that neither this emulator nor another one on the host has in use.
function freeSlot(ip) {
  let taken = '';
  try { taken = spawnSync(ip, ['-4', '-o', 'addr', 'show', 'to', `${BASE.join('.')}.0.0/16`], { encoding: 'utf8', timeout: 3000 }).stdout || ''; } catch { /* none */ }
  for (let i = 0; i < 64; i++) {
    const n = crypto.randomInt(SLOTS);
    const [host] = slotAddrs(n);
    if (!used.has(n) && !taken.includes(` ${host}/`)) { used.add(n); return n; }
  }
  throw new Error('no free address for the sandbox network');
}

function slotAddrs(n) {
  const a = BASE[0];
  const b = BASE[1];
  const base = n * 4;
  const c = base >> 8;
  const d = base & 255;
  return [`${a}.${b}.${c}.${d + 1}`, `${a}.${b}.${c}.${d + 2}`];
}

// ---- egress rules ----------------------------------------------------------------------------

class EgressError extends Error {}

// "1.2.3.4", "1.2.3.0/24", "::1", "fd00::/8" -> { family: 4|6, text } ; null if not an address.
function cidr(entry) {
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(entry);
  if (!m) return null;
  const family = net.isIP(m[1]);
  if (!family) return null;
  const bits = m[2] === undefined ? (family === 4 ? 32 : 128) : Number(m[2]);
  if (bits > (family === 4 ? 32 : 128)) return null;
  return { family, text: `${m[1]}/${bits}` };
}

const DOMAIN = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

// Validates the wire lists; throws EgressError naming the field. -> { allow: [...], deny: [...] }
function parseLists(allowOut, denyOut) {
  const allow = [];
  const deny = [];
  for (const e of allowOut || []) {
    const c = cidr(e);
    if (c) allow.push(c);
    else if (DOMAIN.test(e)) allow.push({ domain: e.toLowerCase() });
    else throw new EgressError(`'allowOut' entries must be CIDR blocks, IP addresses or domain names, got '${e}'`);
  }
  for (const e of denyOut || []) {
    const c = cidr(e);
    if (!c) throw new EgressError(`'denyOut' entries must be CIDR blocks or IP addresses (domains are only allowed in allowOut), got '${e}'`);
    deny.push(c);
  }
  return { allow, deny };
}

// Domains in allowOut are resolved once, when the rules are applied (create, network update):
// host.e2b.internal is the sandbox's own name for the host; wildcards cannot be resolved and
// match nothing (E2B matches them against TLS SNI / HTTP Host, which the emulator does not read).
async function resolveDomains(entries) {
  const out = [];
  for (const e of entries) {
    if (!e.domain) { out.push(e); continue; }
    if (e.domain === HOST_NAME) { out.push({ family: 4, text: `${SLIRP_HOST}/32` }); continue; }
    if (e.domain.startsWith('*.')) { log.warn(`allowOut '${e.domain}': wildcard domains are not enforced by the emulator (no SNI inspection); ignored`); continue; }
    try {
      const addrs = await withTimeout(dns.promises.lookup(e.domain, { all: true }), 3000);
      for (const a of addrs) out.push({ family: a.family, text: `${a.address}/${a.family === 4 ? 32 : 128}` });
    } catch (err) {
      log.warn(`allowOut '${e.domain}' did not resolve (${err.code || err.message}); it allows nothing`);
    }
  }
  return out;
}

function withTimeout(p, ms) {
  let t;
  return Promise.race([p, new Promise((_, rej) => { t = setTimeout(() => rej(new Error('timeout')), ms); })]).finally(() => clearTimeout(t));
}

function set(name, type, entries) {
  const els = entries.map((e) => e.text);
  return `  set ${name} { type ${type}; flags interval; auto-merge;${els.length ? ` elements = { ${els.join(', ')} };` : ''} }\n`;
}

// The whole nft script for the namespace (replaces the previous tables atomically).
// Semantics as on E2B: allowOut wins over denyOut; allow_internet_access=false is denyOut
// 0.0.0.0/0; the sandbox's own loopback and answers on established connections always pass.
function ruleset({ hostAddr, allow, deny, internet, hasDomains }) {
  const deny4 = deny.filter((e) => e.family === 4);
  const deny6 = deny.filter((e) => e.family === 6);
  if (internet === false) deny4.push({ family: 4, text: '0.0.0.0/0' });
  let s = 'table ip e2b_in\ndelete table ip e2b_in\ntable inet e2b_out\ndelete table inet e2b_out\n';
  s += 'table ip e2b_in {\n  chain pre {\n    type nat hook prerouting priority dstnat; policy accept;\n' +
    `    iifname "eth0" ip saddr ${hostAddr} meta l4proto tcp dnat to 127.0.0.1\n  }\n}\n`;
  s += 'table inet e2b_out {\n';
  s += set('allow4', 'ipv4_addr', allow.filter((e) => e.family === 4));
  s += set('allow6', 'ipv6_addr', allow.filter((e) => e.family === 6));
  s += set('deny4', 'ipv4_addr', deny4);
  s += set('deny6', 'ipv6_addr', deny6);
  s += '  chain out {\n    type filter hook output priority filter; policy accept;\n' +
    '    oif "lo" accept\n    ct state established,related accept\n' +
    '    oifname "eth0" reject with icmpx admin-prohibited\n' +
    // other sandboxes' links (through slirp4netns and the host): never, whatever allowOut says
    `    ip daddr ${BASE.join('.')}.0.0/16 reject with icmpx admin-prohibited\n`;
  if (hasDomains) s += `    ip daddr ${SLIRP_DNS} meta l4proto { tcp, udp } th dport 53 accept\n`;
  s += '    ip daddr @allow4 accept\n    ip6 daddr @allow6 accept\n' +
    '    ip daddr @deny4 meta l4proto tcp reject with tcp reset\n    ip daddr @deny4 reject with icmpx admin-prohibited\n' +
    '    ip6 daddr @deny6 meta l4proto tcp reject with tcp reset\n    ip6 daddr @deny6 reject with icmpx admin-prohibited\n' +
    '  }\n}\n';
  return s;
}

// ---- one sandbox's network -------------------------------------------------------------------

class SandboxNetwork {
  constructor(netInfo) {
    this.mode = netInfo.mode;
    this._tools = netInfo.tools;
    this._slot = null;
    this._link = null;
    this._slirp = null;
    this._nsPid = null;
    this.hostAddr = null;
    this.addr = null;
    this._portMap = new Map(); // shared mode: sandbox port -> host port
  }

  get isolated() { return this.mode === 'isolated'; }

  // Where the emulator connects to reach TCP `port` of the sandbox.
  portTarget(port) {
    return this.isolated ? { host: this.addr, port } : { host: '127.0.0.1', port: this._portMap.get(port) || port };
  }

  mapPort(port, hostPort) {
    if (!this.isolated) this._portMap.set(port, hostPort);
  }

  // nsPid: a host pid inside the sandbox's network namespace.
  async setup(nsPid) {
    if (!this.isolated) return;
    this._nsPid = nsPid;
    this._slot = freeSlot(this._tools.ip);
    [this.hostAddr, this.addr] = slotAddrs(this._slot);
    this._link = 'e2b' + crypto.randomBytes(5).toString('hex').slice(0, 9);
    const { ip, nsenter } = this._tools;
    await run(ip, ['-batch', '-'], `link add ${this._link} type veth peer name eth0 netns /proc/${nsPid}/ns/net\n` +
      `addr add ${this.hostAddr}/30 dev ${this._link}\nlink set ${this._link} up\n`);
    // Inside (one process chain), while slirp4netns brings up tap0. route_localnet lets the DNAT
    // to 127.0.0.1 of connections arriving on eth0 happen; these sysctls are the namespace's own.
    const inside = `${ip} -batch - <<EOF\nlink set lo up\naddr add ${this.addr}/30 dev eth0\nlink set eth0 up\nEOF\n` +
      'echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet && echo 1 > /proc/sys/net/ipv4/conf/eth0/route_localnet\n';
    const results = await Promise.allSettled([
      run(nsenter, ['-t', String(nsPid), '-n', '/bin/sh', '-e', '-c', inside]),
      this._startSlirp(),
    ]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }

  _startSlirp() {
    // fd 3: slirp4netns writes "1" once tap0 is configured; fd 4: it exits when this closes,
    // i.e. when the sandbox is killed or the emulator dies.
    const child = spawn(this._tools.slirp, ['--configure', '--mtu=65520', '--ready-fd=3', '--exit-fd=4',
      String(this._nsPid), 'tap0'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    this._slirp = child;
    let stderr = '';
    child.stderr.on('data', (d) => { if (stderr.length < 4096) stderr += d; });
    child.stdio[4].on('error', () => {});
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('slirp4netns did not get ready in time')); }, STEP_TIMEOUT);
      child.stdio[3].once('data', () => { clearTimeout(timer); resolve(); });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`slirp4netns exited (${code}): ${stderr.trim()}`)); });
    });
  }

  // cfg: { allowInternetAccess, allowOut, denyOut } as on the wire. Validates (EgressError) and,
  // when isolated, replaces the namespace's rules.
  async applyEgress(cfg) {
    const { allow, deny } = parseLists(cfg.allowOut, cfg.denyOut);
    if (!this.isolated) {
      if (cfg.allowInternetAccess === false || deny.length || allow.length) {
        log.warn('egress rules are recorded but not enforced: sandboxes share the host network');
      }
      return;
    }
    if (!this._nsPid) return;
    const resolved = await resolveDomains(allow);
    const script = ruleset({ hostAddr: this.hostAddr, allow: resolved, deny, internet: cfg.allowInternetAccess, hasDomains: allow.some((e) => e.domain) });
    await run(this._tools.nsenter, ['-t', String(this._nsPid), '-n', this._tools.nft, '-f', '-'], script);
  }

  // Removes what the kernel would not remove by itself. Idempotent.
  teardown() {
    if (this._slirp) { try { this._slirp.kill('SIGKILL'); } catch { /* gone */ } this._slirp = null; }
    if (this._link) {
      spawnSync(this._tools.ip, ['link', 'del', this._link], { stdio: 'ignore', timeout: 3000 });
      this._link = null;
    }
    if (this._slot !== null) { used.delete(this._slot); this._slot = null; }
    this._nsPid = null;
  }
}

// /etc/hosts and /etc/resolv.conf as the sandbox sees them.
function hostsText(mode) {
  const hostIp = mode === 'isolated' ? SLIRP_HOST : '127.0.0.1';
  return `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${hostIp}\t${HOST_NAME}\n`;
}

function resolvText() {
  return `nameserver ${SLIRP_DNS}\n`;
}

module.exports = { detect, SandboxNetwork, EgressError, parseLists, ruleset, hostsText, resolvText, HOST_NAME, SLIRP_HOST };
