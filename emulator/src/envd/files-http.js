'use strict';
// GET/POST /files (protocol §5.2–5.4): token or signed URL, streamed in both directions.
const fs = require('fs');
const posix = require('path').posix;
const zlib = require('zlib');
const { pipeline } = require('stream/promises');
const { checkFilesAccess } = require('./signature');
const { resolvePath, realSandboxPath, hostOf, PathError } = require('./paths');
const { makeDirs, chownTo } = require('./fsutil');
const { readMultipart, boundaryOf, dispositionParams, MultipartError } = require('./multipart');
const { sendFile } = require('./files-download');
const metadata = require('./metadata');
const { HttpError, sendJson, sendError } = require('../api/http');

// The router passes sandbox = null for signed URLs that name no sandbox: find the one whose
// token signs this request.
function sandboxForSignature(registry, query, operation) {
  if (!registry || !query.get('signature')) return null;
  return registry.findBySignature((token) => checkFilesAccess({ token, query, operation }) !== 'invalid signature');
}

function userFor(sbx, query) {
  const name = query.get('username') || sbx.defaultUser;
  try {
    return sbx.lookupUser(name);
  } catch {
    throw new HttpError(401, `error looking up user '${name}': user: unknown user ${name}`);
  }
}

function pathFor(sbx, user, p) {
  try {
    return resolvePath(user, p, sbx.defaultWorkdir);
  } catch (e) {
    throw new HttpError(400, e.message);
  }
}

function osError(e, p) {
  if (e instanceof HttpError) return e;
  if (e instanceof PathError) return new HttpError(e.kind === 'denied' ? 403 : 400, e.message);
  if (e instanceof MultipartError) return new HttpError(400, e.message);
  switch (e.code) {
    case 'ENOSPC': return new HttpError(507, 'not enough disk space available');
    case 'EDQUOT': return new HttpError(507, 'not enough disk space available');
    case 'ENOTDIR': return new HttpError(400, e.message);
    case 'ENOENT': return new HttpError(404, `path '${p}' does not exist`);
    case 'ELOOP': return new HttpError(400, `too many levels of symbolic links: ${p}`);
    case 'EISDIR': return new HttpError(400, `path is a directory: ${p}`);
    case 'EACCES': case 'EPERM': case 'EROFS': return new HttpError(403, `permission denied: ${p}`);
    case 'Z_DATA_ERROR': case 'Z_BUF_ERROR': return new HttpError(400, `invalid gzip request body: ${e.message}`);
    default: return new HttpError(500, `error writing '${p}': ${e.code || e.message}`);
  }
}

async function download(req, res, sbx, query) {
  const user = userFor(sbx, query);
  const p = pathFor(sbx, user, query.get('path') || '');
  let real;
  let st;
  try {
    real = realSandboxPath(sbx, p);
    st = fs.statSync(hostOf(sbx, real));
  } catch (e) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw new HttpError(404, `path '${p}' does not exist`);
    throw osError(e, p);
  }
  if (st.isDirectory()) throw new HttpError(400, `path '${p}' is a directory`);
  try {
    await sendFile(req, res, hostOf(sbx, real), posix.basename(p));
  } catch (e) {
    if (e.code === 'ENOENT' && !res.headersSent) throw new HttpError(404, `path '${p}' does not exist`); // removed since the stat
    throw e;
  }
}

// X-Metadata-<key> headers, first value of a repeated header wins, keys lower-cased.
function metadataHeaders(req) {
  const meta = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const m = /^x-metadata-(.+)$/i.exec(req.rawHeaders[i]);
    if (m && !(m[1].toLowerCase() in meta)) meta[m[1].toLowerCase()] = req.rawHeaders[i + 1];
  }
  try { metadata.validate(meta); } catch (e) { throw new HttpError(400, e.message); }
  return meta;
}

// Writes one uploaded file from an async iterable of Buffers; returns the response entry.
async function writeFile(sbx, user, p, chunks, meta) {
  const dir = makeDirs(sbx, user, posix.dirname(p));
  // The last component may be a link the sandbox made: follow it in sandbox space, or the host
  // would follow it to the host's file of that name (envd runs as the host's root).
  const real = realSandboxPath(sbx, posix.join(dir, posix.basename(p)));
  const host = hostOf(sbx, real, true);
  let st = null;
  try { st = fs.statSync(host); } catch (e) { if (e.code !== 'ENOENT') throw e; }
  if (st && st.isDirectory()) throw new HttpError(400, `path is a directory: ${p}`);
  // O_NOFOLLOW: a link swapped in after the resolution above fails (ELOOP) instead of escaping.
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW;
  await pipeline(chunks, fs.createWriteStream(host, { flags, mode: 0o666 }));
  chownTo(host, user);
  metadata.replace(host, fs.statSync(host, { bigint: true }).ino, meta);
  const out = { path: p, name: posix.basename(p), type: 'file' };
  if (Object.keys(meta).length) out.metadata = meta;
  return out;
}

async function* partBody(events, first) {
  // Re-yields data events of the current part; stops at the next part header (kept in `first`).
  for (;;) {
    const { value, done } = await events.next();
    if (done) { first.done = true; return; }
    if (value.part) { first.next = value.part; return; }
    yield value.data;
  }
}

async function upload(req, res, sbx, query) {
  const user = userFor(sbx, query);
  const type = (req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (type !== 'multipart/form-data' && type !== 'application/octet-stream') {
    throw new HttpError(400, `unsupported content type: ${req.headers['content-type'] || '(none)'}`);
  }
  const encoding = (req.headers['content-encoding'] || 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') throw new HttpError(400, `unsupported content encoding: ${encoding}`);
  const meta = metadataHeaders(req);
  if (encoding !== 'gzip') return receive(req, res, sbx, user, type, query, meta, req);
  const body = req.pipe(zlib.createGunzip());
  req.on('error', (e) => body.destroy(e));
  // A refused upload stops reading the decoder; its later 'error' (bad gzip) must not be
  // unhandled — that would take the whole emulator down. Readers still see errors themselves.
  body.on('error', () => {});
  try {
    return await receive(req, res, sbx, user, type, query, meta, body);
  } catch (e) {
    req.unpipe(body);
    body.destroy();
    throw e;
  }
}

async function receive(req, res, sbx, user, type, query, meta, body) {
  const queryPath = query.get('path');
  const written = [];

  if (type === 'application/octet-stream') {
    if (!queryPath) throw new HttpError(400, 'path query parameter is required for application/octet-stream uploads');
    const p = pathFor(sbx, user, queryPath);
    try { written.push(await writeFile(sbx, user, p, body, meta)); } catch (e) { throw osError(e, p); }
  } else {
    let boundary;
    try { boundary = boundaryOf(req.headers['content-type']); } catch (e) { throw new HttpError(400, e.message); }
    const events = readMultipart(body, boundary);
    const seen = new Set();
    const cursor = { next: null, done: false };
    let first;
    try { first = await events.next(); } catch (e) { throw osError(e, ''); }
    cursor.next = first.done ? null : first.value.part;
    while (cursor.next) {
      const headers = cursor.next;
      cursor.next = null;
      const params = dispositionParams(headers['content-disposition']);
      const chunks = partBody(events, cursor);
      if (params.name !== 'file') { try { for await (const _ of chunks); } catch (e) { throw osError(e, ''); } continue; } // eslint-disable-line no-unused-vars
      const raw = queryPath || params.filename;
      if (!raw) throw new HttpError(400, 'multipart file part has no filename and no path query parameter was given');
      const p = pathFor(sbx, user, raw);
      if (seen.has(p)) throw new HttpError(400, `you cannot upload multiple files to the same path '${p}' in one upload request; upload them one by one`);
      seen.add(p);
      try { written.push(await writeFile(sbx, user, p, chunks, meta)); } catch (e) { throw osError(e, p); }
    }
  }
  sendJson(res, 200, written);
}

async function handleFiles(req, res, sandbox, registry) {
  const query = new URL(req.url, 'http://envd').searchParams;
  try {
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.setHeader('Allow', 'GET, POST');
      throw new HttpError(405, `method ${req.method} not allowed on /files`);
    }
    const operation = req.method === 'GET' ? 'read' : 'write';
    const sbx = sandbox || sandboxForSignature(registry, query, operation);
    if (!sbx && query.get('signature')) throw new HttpError(401, 'invalid signature');
    if (!sbx) throw new HttpError(400, 'this /files request names no sandbox: send the E2b-Sandbox-Id header or use a signed URL');
    const denied = checkFilesAccess({ token: sbx.envdAccessToken, headerToken: req.headers['x-access-token'], query, operation });
    if (denied) throw new HttpError(401, denied);
    if (operation === 'read') await download(req, res, sbx, query);
    else await upload(req, res, sbx, query);
  } catch (e) {
    const err = e instanceof HttpError ? e : osError(e, query.get('path') || '');
    sendError(res, err.status, err.message);
    if (req.method === 'POST' && !req.readableEnded) req.resume(); // drain so the client reads the answer
  }
}

module.exports = { handleFiles, HttpError };
