'use strict';
// GET /v2/sandboxes (and the deprecated GET /sandboxes): filters, order and cursor pages.
const { HttpError } = require('./http');
const { listedBody } = require('./views');

function unescape(s, what) {
  try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch {
    throw new HttpError(400, `invalid percent-encoding in ${what}`);
  }
}

// "k1=v1&k2=v2" with each part percent-encoded (protocol §3.3 List) -> {k: v}
function parseMetadata(raw) {
  const out = {};
  const whole = unescape(raw, 'metadata');
  for (const pair of whole.split('&')) {
    if (pair === '') continue;
    const parts = pair.split('=');
    if (parts.length !== 2) throw new HttpError(400, `invalid metadata filter '${pair}': expected key=value`);
    out[unescape(parts[0], 'metadata key')] = unescape(parts[1], 'metadata value');
  }
  return out;
}

function encodeCursor(sbx) {
  return Buffer.from(JSON.stringify([sbx.meta.startedAt, sbx.id])).toString('base64url');
}

function decodeCursor(token) {
  try {
    const [t, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof t === 'number' && typeof id === 'string') return { t, id };
  } catch { /* fall through */ }
  throw new HttpError(400, 'invalid nextToken');
}

function parseQuery(q, { v2 }) {
  const f = { states: v2 ? ['running', 'paused'] : ['running'], metadata: {}, order: 'desc', limit: 100 };
  if (q.has('metadata')) f.metadata = parseMetadata(q.get('metadata'));
  if (v2 && q.has('state')) {
    f.states = q.getAll('state').join(',').split(',').filter(Boolean);
    for (const s of f.states) {
      if (s !== 'running' && s !== 'paused') throw new HttpError(400, `invalid state '${s}': expected running or paused`);
    }
  }
  if (q.has('order')) {
    f.order = q.get('order');
    if (f.order !== 'asc' && f.order !== 'desc') throw new HttpError(400, `invalid order '${f.order}': expected asc or desc`);
  }
  if (q.has('limit')) {
    const n = Number(q.get('limit'));
    if (!Number.isInteger(n) || n < 1 || n > 100) throw new HttpError(400, 'limit must be an integer from 1 to 100');
    f.limit = n;
  }
  if (q.has('startedAfter')) {
    f.startedAfter = Date.parse(q.get('startedAfter'));
    if (Number.isNaN(f.startedAfter)) throw new HttpError(400, 'startedAfter must be an RFC 3339 timestamp');
  }
  if (q.has('template')) f.template = q.get('template');
  if (q.has('nextToken') && q.get('nextToken') !== '') f.cursor = decodeCursor(q.get('nextToken'));
  return f;
}

// -> { items: [ListedSandbox], nextToken: string|null }
function listSandboxes({ registry, templates }, q, opts) {
  const f = parseQuery(q, opts);
  const tmpl = f.template ? templates.resolve(f.template) : null;
  const cmp = (a, b) => (a.meta.startedAt - b.meta.startedAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  let all = registry.list()
    .filter((s) => f.states.includes(s.state))
    .filter((s) => Object.entries(f.metadata).every(([k, v]) => s.meta.metadata[k] === v))
    .filter((s) => f.startedAfter === undefined || s.meta.startedAt > f.startedAfter)
    .filter((s) => !f.template || (tmpl && s.meta.templateID === tmpl.templateID))
    .sort(f.order === 'asc' ? cmp : (a, b) => cmp(b, a));
  if (f.cursor) {
    const c = { meta: { startedAt: f.cursor.t }, id: f.cursor.id };
    all = all.filter((s) => (f.order === 'asc' ? cmp(s, c) > 0 : cmp(s, c) < 0));
  }
  const page = all.slice(0, f.limit);
  const nextToken = all.length > f.limit ? encodeCursor(page[page.length - 1]) : null;
  return { items: page.map(listedBody), nextToken };
}

module.exports = { listSandboxes, parseMetadata };
