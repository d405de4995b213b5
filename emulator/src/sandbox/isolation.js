'use strict';
// Decides once per emulator how sandboxes are isolated and builds the command lines for it.
//   "bwrap": one long-lived bubblewrap per sandbox owns a pid + mount namespace; every process is
//            started inside it with nsenter and drops to its user with setpriv. Needs root.
//   "plain": ordinary host processes (no bwrap, or not root); users can only be switched as root.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const log = require('../log');
const { HOST_SECRETS } = require('./paths');
const network = require('./network');

const HELPER_DIR = __dirname; // holds pty-helper.py, bound at /opt/e2b inside
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function which(cmd) {
  for (const dir of SYSTEM_PATH.split(':')) {
    const p = path.join(dir, cmd);
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* next */ }
  }
  return null;
}

let cached = null;

function detect() {
  if (cached) return cached;
  const forced = process.env.E2B_EMULATOR_ISOLATION; // "plain" to opt out of bwrap
  const tools = { bwrap: which('bwrap'), nsenter: which('nsenter'), setpriv: which('setpriv'), env: which('env') };
  const isRoot = process.getuid && process.getuid() === 0;
  let mode = 'plain';
  let reason = '';
  if (forced === 'plain') reason = 'E2B_EMULATOR_ISOLATION=plain';
  else if (!isRoot) reason = 'not running as root (bwrap+nsenter+setpriv need it)';
  else if (!tools.bwrap || !tools.nsenter || !tools.setpriv) reason = 'bwrap, nsenter or setpriv not found';
  else {
    const r = spawnSync(tools.bwrap, ['--die-with-parent', '--unshare-pid', '--ro-bind', '/', '/',
      '--proc', '/proc', '--dev', '/dev', '--', '/bin/true'], { timeout: 5000, encoding: 'utf8' });
    if (r.status === 0) mode = 'bwrap';
    else reason = `bwrap does not work here: ${(r.stderr || r.error || '').toString().trim()}`;
  }
  if (mode === 'plain') log.warn(`sandboxes run as plain host processes: ${reason}`);
  cached = { mode, isRoot, tools, python: which('python3') };
  cached.network = network.detect(cached, which); // { mode: 'isolated'|'shared', reason, tools }
  return cached;
}

// argv of the per-sandbox init: bwrap's pid 1 reaps orphans; its child just waits.
// With an isolated network it also owns the sandbox's network namespace (network.js).
function initArgv(tools, layout, { isolatedNet = false } = {}) {
  const a = [tools.bwrap, '--die-with-parent', '--unshare-pid'];
  if (isolatedNet) a.push('--unshare-net');
  a.push('--bind', layout.rootfs, '/');
  for (const m of layout.readOnly) a.push('--ro-bind', m.host, m.sandbox);
  a.push('--ro-bind', layout.passwd, '/etc/passwd', '--ro-bind', layout.group, '/etc/group');
  if (layout.hosts) a.push('--ro-bind', layout.hosts, '/etc/hosts');
  if (layout.resolv) a.push('--ro-bind', layout.resolv, '/etc/resolv.conf');
  for (const secret of HOST_SECRETS) { // the host's password hashes: an empty file instead
    if (fs.existsSync(secret)) a.push('--ro-bind', layout.shadow, secret);
  }
  a.push('--ro-bind', HELPER_DIR, '/opt/e2b');
  a.push('--proc', '/proc', '--dev', '/dev', '--', '/usr/bin/sleep', 'infinity');
  return a;
}

// argv that runs cmd inside the namespace of initPid as user, in cwd.
// opts.net: also enter its network namespace.
function execArgv(tools, initPid, user, cwd, cmd, opts = {}) {
  const a = [tools.nsenter, '-t', String(initPid), '-p', '-m', ...(opts.net ? ['-n'] : []), '-r', '-w', '--',
    tools.env, '-C', cwd];
  if (user.uid !== 0) a.push(tools.setpriv, '--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups');
  return a.concat(cmd);
}

module.exports = { detect, initArgv, execArgv, HELPER_DIR, SYSTEM_PATH, hostTmp: os.tmpdir };
