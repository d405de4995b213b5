'use strict';
// Lexical mapping of sandbox paths to host paths. Symlinks are NOT followed here: callers
// resolve links in sandbox space first (see envd/paths.js), then map each component.
const posix = require('path').posix;
const path = require('path');

// Sandbox trees that are the host's own files, bound read-only (or kernel filesystems).
const READ_ONLY = ['/usr', '/etc', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/opt/e2b'];
const HIDDEN = ['/proc', '/dev', '/sys'];
// The host's password hashes live in its /etc, which sandboxes see read-only: never serve them.
// Inside the sandbox they are bound over with an empty file (isolation.js).
const HOST_SECRETS = ['/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-'];

function under(p, prefix) {
  return p === prefix || p.startsWith(prefix + '/');
}

function fsError(code, message, p) {
  return Object.assign(new Error(`${code}: ${message}, '${p}'`), { code, path: p });
}

// layout: { rootfs, passwd, group, helperDir }. opts.write: the caller is about to modify it.
function mapPath(layout, sandboxPath, opts = {}) {
  if (typeof sandboxPath !== 'string' || !sandboxPath.startsWith('/') || sandboxPath.includes('\0')) {
    throw fsError('EINVAL', 'sandbox path must be absolute', String(sandboxPath));
  }
  const p = posix.normalize(sandboxPath);
  if (HIDDEN.some((h) => under(p, h))) throw fsError('EACCES', 'not accessible through the emulator', p);
  if (HOST_SECRETS.includes(p)) throw fsError('EACCES', "the host's password file is not part of the sandbox", p);
  if (p === '/etc/passwd') return guard(layout.passwd, opts, p);
  if (p === '/etc/group') return guard(layout.group, opts, p);
  if (p === '/etc/hosts' && layout.hosts) return guard(layout.hosts, opts, p);
  if (p === '/etc/resolv.conf' && layout.resolv) return guard(layout.resolv, opts, p);
  if (under(p, '/opt/e2b')) return guard(path.join(layout.helperDir, p.slice('/opt/e2b'.length)), opts, p);
  // The host's own trees: readable, never written through envd (it runs as host root).
  if (READ_ONLY.some((r) => under(p, r))) return guard(p, opts, p);
  return path.join(layout.rootfs, p);
}

function guard(hostPath, opts, p) {
  if (opts.write) throw fsError('EACCES', 'read-only file system', p);
  return hostPath;
}

module.exports = { mapPath, READ_ONLY, HOST_SECRETS };
