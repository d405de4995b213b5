'use strict';
// The body of GET /files: Go http.ServeContent-like identity responses (length, ranges,
// If-Modified-Since) or a streamed gzip body when the client prefers it, as envd does.
const fs = require('fs');
const zlib = require('zlib');
const { Transform } = require('stream');
const { pipeline } = require('stream/promises');
const { sendJson } = require('../api/http');

const TYPES = {
  txt: 'text/plain; charset=utf-8', md: 'text/markdown; charset=utf-8', html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8',
  json: 'application/json', xml: 'text/xml; charset=utf-8', csv: 'text/csv; charset=utf-8',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml',
  webp: 'image/webp', pdf: 'application/pdf', zip: 'application/zip', gz: 'application/gzip',
  tar: 'application/x-tar', wasm: 'application/wasm', py: 'text/x-python; charset=utf-8',
};

function contentType(fd, name) {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  if (TYPES[ext]) return TYPES[ext];
  // Sniff like Go for the common case: text without NULs is text/plain.
  const head = Buffer.alloc(512);
  let n = 0;
  try { n = fs.readSync(fd, head, 0, 512, 0); } catch { /* unreadable: octet-stream */ }
  const sample = head.subarray(0, n);
  if (n > 0 && !sample.includes(0) && Buffer.from(sample.toString('utf8')).equals(sample)) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}

function disposition(name) {
  if (/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return `inline; filename=${name}`;
  if (/^[\x20-\x7e]*$/.test(name)) return `inline; filename="${name.replace(/(["\\])/g, '\\$1')}"`;
  return `inline; filename*=utf-8''${encodeURIComponent(name)}`;
}

// Accept-Encoding negotiation between gzip and identity (-> 'gzip' | 'identity' | null when
// nothing is acceptable). envd may answer gzip to any client that accepts it; the emulator only
// does when gzip is the one coding the client asked for (the SDKs' `gzip: true`) or identity is
// refused, because generic defaults ("gzip, deflate") decode very slowly in node's fetch.
function chooseEncoding(header) {
  if (header === undefined) return 'identity';
  const q = {};
  for (const item of header.split(',')) {
    const [name, ...params] = item.trim().toLowerCase().split(';');
    if (!name) continue;
    let value = 1;
    for (const p of params) { const m = /^\s*q=([0-9.]+)\s*$/.exec(p); if (m) value = Number(m[1]); }
    q[name.trim()] = value;
  }
  const star = q['*'];
  const gzip = q.gzip !== undefined ? q.gzip : (star !== undefined ? star : 0);
  const identity = q.identity !== undefined ? q.identity : (star !== undefined ? star : 1);
  const others = Object.keys(q).filter((k) => k !== 'gzip' && k !== 'identity' && q[k] > 0);
  if (gzip > 0 && (identity <= 0 || (gzip >= identity && others.length === 0))) return 'gzip';
  if (identity > 0) return 'identity';
  return null;
}

// Single byte range "bytes=a-b" / "bytes=a-" / "bytes=-n" -> {start, end} | 'unsatisfiable' | null.
function parseRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec((header || '').trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start;
  let end;
  if (m[1] === '') { start = Math.max(0, size - Number(m[2])); end = size - 1; } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

// Passes exactly `length` bytes on, or fails: a file that shrinks while it is sent must not end
// the response short of its Content-Length (the client would wait for the rest until its
// timeout). Go's envd aborts the connection then, and so does the failed pipeline here.
function exactly(length) {
  let seen = 0;
  return new Transform({
    transform(chunk, _enc, done) { seen += chunk.length; done(null, chunk); },
    flush(done) { done(seen === length ? null : new Error(`file changed while it was read (${seen} of ${length} bytes)`)); },
  });
}

// host: the file's host path. Size, type sniffing and body all come from one open file, so a
// file replaced in between (rename over it) is still served consistently.
async function sendFile(req, res, host, name) {
  // host is link-free (resolved in sandbox space); O_NOFOLLOW: a link swapped in since then
  // fails instead of being followed on the host.
  const fd = fs.openSync(host, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  const file = { fd, owned: true }; // owned until a read stream takes fd over
  try {
    await sendOpen(req, res, file, name);
  } finally {
    if (file.owned) fs.closeSync(file.fd);
  }
}

// A read stream of file.fd that closes it (autoClose) when it ends, fails or is destroyed.
function readFrom(file, opts) {
  const stream = fs.createReadStream(null, { fd: file.fd, ...opts });
  file.owned = false;
  return stream;
}

async function sendOpen(req, res, file, name) {
  const { fd } = file;
  const st = fs.fstatSync(fd);
  const ranged = req.headers.range !== undefined;
  const encoding = ranged ? 'identity' : chooseEncoding(req.headers['accept-encoding']);
  if (!encoding) {
    sendJson(res, 406, { code: 406, message: 'no acceptable encoding found, supported: [gzip]' });
    return;
  }
  const headers = {
    'Content-Type': contentType(fd, name),
    'Content-Disposition': disposition(name),
    Vary: 'Accept-Encoding',
    'Last-Modified': st.mtime.toUTCString(),
  };
  const since = Date.parse(req.headers['if-modified-since'] || '');
  if (!Number.isNaN(since) && Math.floor(st.mtimeMs / 1000) * 1000 <= since) {
    res.writeHead(304, { Vary: headers.Vary, 'Last-Modified': headers['Last-Modified'] });
    res.end();
    return;
  }
  if (encoding === 'gzip') {
    res.writeHead(200, { ...headers, 'Content-Encoding': 'gzip' });
    await pipeline(readFrom(file, { start: 0 }), zlib.createGzip({ level: 1 }), res);
    return;
  }
  let status = 200;
  let range = { start: 0, end: st.size - 1 };
  if (ranged) {
    const r = parseRange(req.headers.range, st.size);
    if (r === 'unsatisfiable') {
      res.writeHead(416, { 'Content-Range': `bytes */${st.size}` });
      res.end();
      return;
    }
    if (r) { status = 206; range = r; headers['Content-Range'] = `bytes ${r.start}-${r.end}/${st.size}`; }
  }
  const length = st.size === 0 ? 0 : range.end - range.start + 1;
  res.writeHead(status, { ...headers, 'Accept-Ranges': 'bytes', 'Content-Length': length });
  if (length === 0 || req.method === 'HEAD') { res.end(); return; }
  await pipeline(readFrom(file, { start: range.start, end: range.end }), exactly(length), res);
}

module.exports = { sendFile, chooseEncoding, parseRange, disposition };
