'use strict';
// /templates…: list, delete (also how snapshots are deleted).
const { HttpError, sendJson, sendEmpty } = require('./http');
const { describe } = require('./templates');

async function list(ctx, req, res) {
  sendJson(res, 200, ctx.templates.list().filter((t) => t.kind !== 'snapshot').map(describe));
}

// DELETE /templates/{id}: 204; 404 unknown; 400 while sandboxes use it; 403 for the built-ins.
async function remove(ctx, req, res, id) {
  const t = ctx.templates.resolve(id, { any: true });
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
