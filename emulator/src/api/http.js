'use strict';
// Small HTTP helpers shared by the API handlers, envd and the router: JSON replies, {code,message} errors, bodies.
const MAX_BODY = 1024 * 1024;
const MAX_DRAIN = 64 * MAX_BODY; // what an oversized body may send before its connection is cut

class HttpError extends Error {
  constructor(status, message, extra) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

// The one JSON reply of the emulator (API, envd, router): a reply after the headers went out
// cannot be sent, so the connection is cut instead.
function sendJson(res, status, body, headers = {}) {
  if (res.headersSent) { res.destroy(); return; }
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': data.length,
    ...headers,
  });
  res.end(data);
}

function sendEmpty(res, status = 204) {
  res.writeHead(status);
  res.end();
}

function sendError(res, status, message, extra) {
  if (res.headersSent) { res.destroy(); return; }
  sendJson(res, status, { code: status, message, ...(extra || {}) });
}

// -> parsed JSON object ({} for an empty body); HttpError 400 on anything else.
function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    const collect = (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        // Read and discard the rest so the client gets the 413 (destroying the socket here
        // made it see a connection reset instead); give up on bodies far beyond the limit.
        req.off('data', collect);
        req.on('data', (d) => { size += d.length; if (size > MAX_DRAIN) req.destroy(); });
        reject(new HttpError(413, `request body larger than ${MAX_BODY} bytes`));
        return;
      }
      chunks.push(c);
    };
    req.on('data', collect);
    req.on('error', reject);
    req.on('end', () => {
      if (size > MAX_BODY) return; // already refused
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      let body;
      try { body = JSON.parse(text); } catch (e) {
        return reject(new HttpError(400, `Error when parsing request: invalid JSON: ${e.message}`));
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return reject(new HttpError(400, 'Error when parsing request: body must be a JSON object'));
      }
      resolve(body);
    });
  });
}

module.exports = { HttpError, sendJson, sendEmpty, sendError, readJson };
