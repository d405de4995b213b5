'use strict';
// /templates…: list, delete (also how snapshots are deleted).
const { HttpError, sendJson, sendEmpty } = require('./http');
const { describe } = require('./templates');

// GET /templates, /v2/templates (limit 1–100, nextToken / X-Next-Token): snapshots are listed
// by GET /snapshots instead.
async function list(ctx, req, res, id, q) {
  const all = ctx.templates.list().filter((t) => t.kind !== 'snapshot');
  let limit = all.length;
  if (q.has('limit')) {
    limit = Number(q.get('limit'));
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new HttpError(400, 'limit must be an integer from 1 to 100');
  }
  let from = 0;
  if (q.get('nextToken')) {
    from = Number(Buffer.from(q.get('nextToken'), 'base64url').toString('utf8'));
    if (!Number.isInteger(from) || from < 0) throw new HttpError(400, 'invalid nextToken');
  }
  const headers = from + limit < all.length ? { 'X-Next-Token': Buffer.from(String(from + limit)).toString('base64url') } : {};
  sendJson(res, 200, all.slice(from, from + limit).map(describe), headers);
}

// DELETE /templates/{id}: 204; 404 unknown; 400 while sandboxes use it; 403 for the built-ins.
async function remove(ctx, req, res, id) {
  const t = ctx.templates.resolve(id);
  if (!t) throw new HttpError(404, `Template '${id}' not found`);
  if (t.kind === 'builtin') throw new HttpError(403, `You don't have access to delete template '${id}'`);
  for (const state of ['running', 'paused']) {
    if (ctx.registry.list().some((s) => s.state === state && s.meta.templateID === t.templateID)) {
      throw new HttpError(400, `cannot delete template '${id}' because there are ${state} sandboxes using it`);
    }
  }
  ctx.templates.remove(t);
  sendEmpty(res, 204);
}

module.exports = { list, remove };
