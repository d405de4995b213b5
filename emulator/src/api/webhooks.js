'use strict';
// /events/webhooks[/{id}[/deliveries]] (E2B's Argus API): CRUD of the team's webhooks and the
// record of their deliveries. The secret is write-only: never in a response.
const { HttpError, sendJson, readJson } = require('./http');
const { TYPES } = require('../sandbox/events');
const { loopbackUrl } = require('../webhooks');

function bad(msg) { return new HttpError(400, msg); }

// Checks the fields present in body; `required` lists those that must be. -> clean fields.
function fieldsOf(body, required) {
  const out = {};
  for (const k of required) if (body[k] === undefined || body[k] === null) throw bad(`'${k}' is required`);
  if (body.name !== undefined) {
    if (typeof body.name !== 'string' || body.name.trim() === '') throw bad("'name' must be a non-empty string");
    out.name = body.name;
  }
  if (body.url !== undefined) {
    if (typeof body.url !== 'string') throw bad("'url' must be a string");
    const u = loopbackUrl(body.url);
    if (u instanceof Error) throw bad(u.message);
    out.url = body.url;
  }
  if (body.events !== undefined) {
    if (!Array.isArray(body.events) || body.events.length === 0 || body.events.some((e) => typeof e !== 'string')) {
      throw bad("'events' must be a non-empty array of event types");
    }
    for (const e of body.events) if (!TYPES.includes(e)) throw bad(`invalid event type '${e}': expected one of ${TYPES.join(', ')}`);
    out.events = [...new Set(body.events)];
  }
  if (body.enabled !== undefined) {
    if (typeof body.enabled !== 'boolean') throw bad("'enabled' must be a boolean");
    out.enabled = body.enabled;
  }
  if (body.signatureSecret !== undefined) {
    if (typeof body.signatureSecret !== 'string' || body.signatureSecret === '') throw bad("'signatureSecret' must be a non-empty string");
    out.signatureSecret = body.signatureSecret;
  }
  return out;
}

function mustGet(ctx, id) {
  const h = ctx.webhooks.get(id);
  if (!h) throw new HttpError(404, `Webhook '${id}' not found`);
  return h;
}

async function create(ctx, req, res) {
  const f = fieldsOf(await readJson(req), ['name', 'url', 'events', 'signatureSecret']);
  sendJson(res, 201, ctx.webhooks.detail(ctx.webhooks.add(f)));
}

async function list(ctx, req, res) {
  sendJson(res, 200, ctx.webhooks.list().map((h) => ctx.webhooks.detail(h)));
}

async function getOne(ctx, req, res, id) {
  sendJson(res, 200, ctx.webhooks.detail(mustGet(ctx, id)));
}

async function update(ctx, req, res, id) {
  const body = await readJson(req);
  const h = mustGet(ctx, id);
  Object.assign(h, fieldsOf(body, []));
  sendJson(res, 200, ctx.webhooks.detail(h));
}

async function remove(ctx, req, res, id) {
  mustGet(ctx, id);
  ctx.webhooks.remove(id);
  res.writeHead(200);
  res.end();
}

function decodeCursor(s) {
  const n = Number(Buffer.from(s, 'base64url').toString('utf8'));
  if (!Number.isInteger(n) || n < 0) throw bad('invalid cursor');
  return n;
}

function timeParam(q, name) {
  if (!q.has(name)) return undefined;
  const s = q.get(name);
  const t = /^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s);
  if (Number.isNaN(t)) throw bad(`'${name}' must be unix seconds or an RFC 3339 time`);
  return t;
}

// GET …/deliveries: cursor, limit (1–100, 25), orderAsc, start, end, deliveryStatus[], eventType.
async function deliveries(ctx, req, res, id, q) {
  const h = mustGet(ctx, id);
  let limit = 25;
  if (q.has('limit')) {
    limit = Number(q.get('limit'));
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw bad("'limit' must be an integer from 1 to 100");
  }
  const statuses = q.getAll('deliveryStatus').flatMap((s) => s.split(',')).filter(Boolean);
  for (const s of statuses) if (s !== 'success' && s !== 'failed') throw bad(`invalid deliveryStatus '${s}': expected success or failed`);
  const start = timeParam(q, 'start');
  const end = timeParam(q, 'end');
  const eventType = q.get('eventType');
  const statusOf = (d) => (d.attempts.some((a) => a.deliveryStatus === 'success') ? 'success' : 'failed');
  let all = h.deliveries.filter((d) => d.attempts.length > 0)
    .filter((d) => !eventType || d.eventType === eventType)
    .filter((d) => statuses.length === 0 || statuses.includes(statusOf(d)))
    .filter((d) => {
      const t = Date.parse(d.attempts[0].timestamp);
      return (start === undefined || t >= start) && (end === undefined || t <= end);
    });
  if (q.get('orderAsc') !== 'true') all = all.slice().reverse();
  const from = q.get('cursor') ? decodeCursor(q.get('cursor')) : 0;
  const page = all.slice(from, from + limit);
  sendJson(res, 200, {
    data: page.map((d) => ({ eventId: d.eventId, eventType: d.eventType, sandboxId: d.sandboxId, attempts: d.attempts.map((a) => ({ ...a })) })),
    nextCursor: from + limit < all.length ? Buffer.from(String(from + limit)).toString('base64url') : null,
  });
}

// GET …/stats?start&end (default the last 24 h): deliveries per hour and their durations.
async function stats(ctx, req, res, id, q) {
  const h = mustGet(ctx, id);
  const end = timeParam(q, 'end') ?? Date.now();
  const start = timeParam(q, 'start') ?? end - 24 * 3600 * 1000;
  if (start > end) throw bad("'start' must not be after 'end'");
  const HOUR = 3600 * 1000;
  const inWindow = h.deliveries.filter((d) => d.attempts.length > 0).filter((d) => {
    const t = Date.parse(d.attempts[0].timestamp);
    return t >= start && t <= end;
  });
  const failed = (d) => !d.attempts.some((a) => a.deliveryStatus === 'success');
  const buckets = [];
  for (let t = Math.floor(start / HOUR) * HOUR; t <= end && buckets.length < 24 * 31; t += HOUR) {
    const ds = inWindow.filter((d) => { const x = Date.parse(d.attempts[0].timestamp); return x >= t && x < t + HOUR; });
    buckets.push({ timestamp: new Date(t).toISOString(), total: ds.length, failed: ds.filter(failed).length });
  }
  const durations = inWindow.flatMap((d) => d.attempts.map((a) => a.durationMs));
  sendJson(res, 200, {
    buckets,
    total: inWindow.length,
    failed: inWindow.filter(failed).length,
    durationMs: durations.length === 0 ? { minimum: 0, average: 0, maximum: 0 } : {
      minimum: Math.min(...durations),
      average: Math.round(durations.reduce((a, b) => a + b, 0) / durations.length),
      maximum: Math.max(...durations),
    },
  });
}

module.exports = { create, list, getOne, update, remove, deliveries, stats };
