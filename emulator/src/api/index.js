'use strict';
// The management REST API: routing, X-API-KEY, and mapping thrown errors to {code,message}.
const crypto = require('crypto');
const { HttpError, sendJson, sendError } = require('./http');
const h = require('./sandboxes');
const { listSandboxes } = require('./list');
const snapshots = require('./snapshots');
const tpl = require('./template-routes');
const events = require('./events');
const team = require('./team');
const webhooks = require('./webhooks');
const builds = require('./builds');
const log = require('../log');

const ID = '([^/]+)';
const ROUTES = [
  ['POST', /^\/(?:v2\/)?sandboxes$/, h.create],
  ['GET', /^\/v2\/sandboxes$/, listV2],
  ['GET', /^\/sandboxes$/, listV1],
  ['GET', /^\/sandboxes\/metrics$/, h.metricsMany],
  ['GET', new RegExp(`^/sandboxes/${ID}$`), h.getOne],
  ['DELETE', new RegExp(`^/sandboxes/${ID}$`), h.kill],
  ['POST', new RegExp(`^/(?:v2/)?sandboxes/${ID}/connect$`), h.connect],
  ['POST', new RegExp(`^/sandboxes/${ID}/resume$`), h.resume],
  ['POST', new RegExp(`^/sandboxes/${ID}/timeout$`), h.setTimeoutHandler],
  ['POST', new RegExp(`^/sandboxes/${ID}/refreshes$`), h.refresh],
  ['POST', new RegExp(`^/sandboxes/${ID}/pause$`), h.pause],
  ['PUT', new RegExp(`^/sandboxes/${ID}/network$`), h.network],
  ['GET', new RegExp(`^/sandboxes/${ID}/metrics$`), h.metrics],
  ['GET', new RegExp(`^/sandboxes/${ID}/logs$`), h.logsV1],
  ['GET', new RegExp(`^/v2/sandboxes/${ID}/logs$`), h.logsV2],
  ['POST', new RegExp(`^/sandboxes/${ID}/snapshots$`), snapshots.createSnapshot],
  ['GET', /^\/snapshots$/, snapshots.listSnapshots],
  ['POST', new RegExp(`^/sandboxes/${ID}/fork$`), snapshots.fork],
  ['GET', /^\/(?:v2\/)?templates$/, tpl.list],
  ['POST', /^\/v3\/templates$/, builds.requestBuild],
  ['GET', new RegExp(`^/templates/${ID}/files/${ID}$`), builds.filesLink],
  ['POST', new RegExp(`^/v2/templates/${ID}/builds/${ID}$`), builds.startBuild],
  ['GET', new RegExp(`^/templates/${ID}/builds/${ID}/status$`), builds.buildStatus],
  ['GET', new RegExp(`^/templates/${ID}/builds/${ID}/logs$`), builds.buildLogs],
  ['GET', new RegExp(`^/templates/aliases/${ID}$`), builds.alias],
  ['POST', /^\/templates\/tags$/, builds.assignTags],
  ['DELETE', /^\/templates\/tags$/, builds.removeTags], // before DELETE /templates/{id}
  ['GET', new RegExp(`^/templates/${ID}/tags$`), builds.listTags],
  ['GET', new RegExp(`^/templates/${ID}$`), builds.getOne],
  ['PATCH', new RegExp(`^/(?:v2/)?templates/${ID}$`), builds.update],
  ['DELETE', new RegExp(`^/templates/${ID}$`), tpl.remove],
  ['GET', /^\/events\/sandboxes$/, events.forTeam],
  ['GET', new RegExp(`^/events/sandboxes/${ID}$`), events.forSandbox],
  ['POST', /^\/events\/webhooks$/, webhooks.create],
  ['GET', /^\/events\/webhooks$/, webhooks.list],
  ['GET', new RegExp(`^/events/webhooks/${ID}$`), webhooks.getOne],
  ['PATCH', new RegExp(`^/events/webhooks/${ID}$`), webhooks.update],
  ['DELETE', new RegExp(`^/events/webhooks/${ID}$`), webhooks.remove],
  ['GET', new RegExp(`^/events/webhooks/${ID}/deliveries$`), webhooks.deliveries],
  ['GET', new RegExp(`^/events/webhooks/${ID}/stats$`), webhooks.stats],
  ['GET', new RegExp(`^/teams/${ID}/metrics$`), team.metrics],
  ['GET', new RegExp(`^/teams/${ID}/metrics/max$`), team.maxMetric],
];

async function listV2(ctx, req, res, id, q) {
  const { items, nextToken } = listSandboxes(ctx, q, { v2: true });
  const running = ctx.registry.list().filter((s) => s.state === 'running').length;
  sendJson(res, 200, items, { ...(nextToken ? { 'X-Next-Token': nextToken } : {}), 'X-Total-Running': String(running) });
}

async function listV1(ctx, req, res, id, q) {
  sendJson(res, 200, listSandboxes(ctx, q, { v2: false }).items);
}

// Constant-time comparison of a presented secret with the expected one (any lengths).
function sameSecret(given, expected) {
  if (typeof given !== 'string') return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

// ctx: { registry, templates, webhooks, files, buildRegistry, stateDir, isolated, apiKey }
function createApiHandler(ctx) {
  return async function handle(req, res, url) {
    const pathname = url.pathname;
    if (pathname === '/health' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end('Health check successful');
    }
    const up = /^\/_uploads\/([^/]+)$/.exec(pathname);
    if (up && req.method === 'PUT') { // a files link's upload target: the signed URL is the permission
      try { return await builds.upload(ctx, req, res, up[1], url.searchParams); } catch (e) {
        if (e instanceof HttpError) return sendError(res, e.status, e.message);
        throw e;
      }
    }
    const matches = ROUTES.filter(([, re]) => re.test(pathname));
    if (matches.length === 0) return sendError(res, 404, `no route for ${req.method} ${pathname}`);
    const route = matches.find(([m]) => m === req.method);
    if (!route) return sendError(res, 405, `method ${req.method} not allowed on ${pathname}`);
    if (!sameSecret(req.headers['x-api-key'], ctx.apiKey)) {
      return sendError(res, 401, 'Invalid API key, please visit https://e2b.dev/docs/api-key for more information.');
    }
    const m = pathname.match(route[1]);
    let ids;
    try { ids = m.slice(1).map((x) => (x === undefined ? x : decodeURIComponent(x))); } catch {
      return sendError(res, 400, 'invalid id encoding in the path');
    }
    try {
      await route[2](ctx, req, res, ids[0], url.searchParams, ids[1]);
    } catch (e) {
      if (e instanceof HttpError) return sendError(res, e.status, e.message, e.extra);
      log.error(`${req.method} ${pathname}: ${e.stack || e}`);
      sendError(res, 500, `internal error: ${e.message}`);
    }
  };
}

module.exports = { createApiHandler, sameSecret };
