'use strict';
// The files of COPY steps, stored by the hash the SDK computes over them (so a second build of
// the same files finds them present and skips the upload). Uploads arrive at a loopback URL the
// files link hands out, signed so only that link can write that hash.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const MAX_UPLOAD = 1024 * 1024 * 1024; // 1 GiB per archive
const HASH_RE = /^[0-9a-f]{64}$/;

class FileCache {
  constructor(dir) {
    this.dir = dir;
    this.key = crypto.randomBytes(32);
    fs.mkdirSync(dir, { recursive: true });
  }

  path(hash) { return path.join(this.dir, `${hash}.tar`); }
  has(hash) { return HASH_RE.test(hash) && fs.existsSync(this.path(hash)); }

  token(hash) { return crypto.createHmac('sha256', this.key).update(hash).digest('base64url'); }

  validToken(hash, token) {
    if (typeof token !== 'string') return false;
    const a = Buffer.from(this.token(hash));
    const b = Buffer.from(token);
    return a.length === b.length && crypto.timingSafeEqual(a, b);
  }

  // Streams the request body into the store (complete or not at all). Resolves the size;
  // rejects with { status, message }.
  store(hash, req) {
    return new Promise((resolve, reject) => {
      const declared = Number(req.headers['content-length']);
      if (req.headers['content-length'] !== undefined && (!Number.isInteger(declared) || declared > MAX_UPLOAD)) {
        req.resume();
        return reject({ status: 413, message: `upload larger than ${MAX_UPLOAD} bytes` });
      }
      const tmp = `${this.path(hash)}.${crypto.randomUUID()}.part`;
      const out = fs.createWriteStream(tmp);
      let size = 0;
      let failed = false;
      const fail = (err) => {
        if (failed) return;
        failed = true;
        out.destroy();
        fs.rmSync(tmp, { force: true });
        reject(err);
      };
      req.on('data', (c) => {
        size += c.length;
        if (size > MAX_UPLOAD) { fail({ status: 413, message: `upload larger than ${MAX_UPLOAD} bytes` }); req.destroy(); }
      });
      req.on('aborted', () => fail({ status: 400, message: 'upload aborted' }));
      req.on('error', () => fail({ status: 400, message: 'upload aborted' }));
      req.pipe(out);
      out.on('finish', () => {
        if (failed) return;
        if (req.headers['content-length'] !== undefined && size !== declared) {
          return fail({ status: 400, message: `upload of ${size} bytes, Content-Length said ${declared}` });
        }
        fs.renameSync(tmp, this.path(hash));
        resolve(size);
      });
      out.on('error', (e) => fail({ status: 500, message: e.message }));
    });
  }
}

module.exports = { FileCache, HASH_RE };
