'use strict';
// GET /events/sandboxes[/{id}] (Argus API): the lifecycle events, newest first by default.
const { HttpError, sendJson } = require('./http');
const { TYPES } = require('../sandbox/events');

function intParam(q, name, dflt, min, max) {
  if (!q.has(name)) return dflt;
  const n = Number(q.get(name));
  if (!Number.isInteger(n) || n < min || (max !== undefined && n > max)) {
    throw new HttpError(400, `'${name}' must be an integer from ${min}${max !== undefined ? ` to ${max}` : ''}`);
  }
  return n;
}

function parseFilter(q) {
  const types = q.getAll('types').flatMap((s) => s.split(',')).filter(Boolean);
  for (const t of types) if (!TYPES.includes(t)) throw new HttpError(400, `invalid event type '${t}': expected one of ${TYPES.join(', ')}`);
  let orderAsc = false;
  if (q.has('orderAsc')) {
    const s = q.get('orderAsc');
    if (s !== 'true' && s !== 'false') throw new HttpError(400, "'orderAsc' must be true or false");
    orderAsc = s === 'true';
  }
  return { types, orderAsc, offset: intParam(q, 'offset', 0, 0), limit: intParam(q, 'limit', 10, 1, 100) };
}

async function forSandbox(ctx, req, res, id, q) {
  sendJson(res, 200, ctx.registry.events.query({ ...parseFilter(q), sandboxId: id }));
}

async function forTeam(ctx, req, res, id, q) {
  sendJson(res, 200, ctx.registry.events.query(parseFilter(q)));
}

module.exports = { forSandbox, forTeam };
