'use strict';
// Handlers for /sandboxes/{id}/… and create. Each takes (ctx, req, res, id) and either replies
// or throws HttpError. ctx = { registry }.
const { HttpError, sendJson, sendEmpty, readJson } = require('./http');
const v = require('./validate');
const { sandboxBody, detailBody } = require('./views');
const { metricsOf } = require('./metrics');
const { parseLists, EgressError } = require('../sandbox/network');

// allowOut / denyOut must be string arrays of CIDRs, IPs (and, in allowOut, domains).
function checkEgress(net, prefix) {
  if (!net) return;
  for (const k of ['allowOut', 'denyOut']) {
    if (net[k] !== undefined && (!Array.isArray(net[k]) || net[k].some((s) => typeof s !== 'string'))) {
      throw new HttpError(400, `'${prefix}${k}' must be an array of strings`);
    }
  }
  try { parseLists(net.allowOut, net.denyOut); } catch (e) {
    if (e instanceof EgressError) throw new HttpError(400, e.message);
    throw e;
  }
}

const DEFAULT_TIMEOUT = 15; // seconds, the API's own default when the body has none

function notFound(id) {
  return new HttpError(404, `Sandbox "${id}" doesn't exist or you don't have access to it`);
}

function mustGet(ctx, id) {
  const sbx = ctx.registry.get(id);
  if (!sbx) throw notFound(id);
  return sbx;
}

// v1 issues an envd access token only for an explicit `secure: true` (what the Python SDK and
// older JS send). The newest JS SDK creates through v2 and no longer sends `secure` at all, so
// there a sandbox is secure unless `secure: false` is asked for explicitly.
function secureRequested(req, body) {
  const secure = v.optBool(body, 'secure');
  if (req.url.startsWith('/v2/')) return secure !== false;
  return secure === true;
}

async function create(ctx, req, res) {
  const body = await readJson(req);
  if (typeof body.templateID !== 'string' || body.templateID === '') {
    throw new HttpError(400, "'templateID' is required and must be a string");
  }
  const found = ctx.templates.runnable(body.templateID);
  if (!found) throw new HttpError(404, `template '${body.templateID}' not found`);
  const tmpl = found.run;
  const autoResume = v.optObject(body, 'autoResume');
  if (autoResume && autoResume.enabled !== undefined && typeof autoResume.enabled !== 'boolean') {
    throw new HttpError(400, "'autoResume.enabled' must be a boolean");
  }
  const spec = {
    templateID: tmpl.templateID,
    alias: tmpl.alias,
    timeout: v.timeout(body, 'timeout', DEFAULT_TIMEOUT),
    metadata: v.optStringMap(body, 'metadata'),
    envVars: { ...(tmpl.envVars || {}), ...v.optStringMap(body, 'envVars') },
    secure: secureRequested(req, body),
    autoPause: v.optBool(body, 'autoPause') || false,
    autoPauseMemory: v.optBool(body, 'autoPauseMemory'),
    autoResume: !!(autoResume && autoResume.enabled),
    allowInternetAccess: v.optBool(body, 'allow_internet_access'),
    network: v.optObject(body, 'network'),
    start: tmpl.start, // the template's start command, run inside the new sandbox
    buildID: tmpl.buildID,
    layer: tmpl.layer, // a snapshot's or built template's files
    user: tmpl.user,
    workdir: tmpl.workdir,
  };
  checkEgress(spec.network, 'network.');
  if (spec.autoResume && !spec.autoPause) {
    throw new HttpError(400, 'autoResume requires autoPause (lifecycle onTimeout "pause")');
  }
  if (spec.autoPauseMemory !== undefined && !spec.autoPause) {
    throw new HttpError(400, 'autoPauseMemory is only allowed together with autoPause');
  }
  const sbx = await ctx.registry.create(spec);
  ctx.templates.spawned(found.template);
  sendJson(res, 201, sandboxBody(sbx));
}

async function getOne(ctx, req, res, id) {
  sendJson(res, 200, detailBody(mustGet(ctx, id)));
}

async function kill(ctx, req, res, id) {
  if (!(await ctx.registry.kill(id))) throw notFound(id);
  sendEmpty(res, 204);
}

// connect v1/v2: 200 when running (lifetime only extended), 201 when it was paused and resumed.
async function connect(ctx, req, res, id) {
  const body = await readJson(req);
  const timeout = v.timeout(body, 'timeout', 300);
  const memory = v.optBool(body, 'memory');
  const sbx = mustGet(ctx, id);
  if (sbx.state === 'running') {
    ctx.registry.setEnd(sbx, Math.max(sbx.meta.endAt, Date.now() + timeout * 1000));
    return sendJson(res, 200, sandboxBody(sbx));
  }
  if (sbx.state !== 'paused') throw new HttpError(409, `Sandbox "${id}" is ${sbx.state}`);
  if (memory === false) sbx.dropProcesses(); // onResume 'reboot': a cold boot keeps only files
  ctx.registry.resume(sbx, timeout);
  sendJson(res, 201, sandboxBody(sbx));
}

// Deprecated resume: 201, or 409 when already running.
async function resume(ctx, req, res, id) {
  const body = await readJson(req);
  const timeout = v.timeout(body, 'timeout', DEFAULT_TIMEOUT);
  const sbx = mustGet(ctx, id);
  if (sbx.state === 'running') throw new HttpError(409, `Sandbox "${id}" is already running`);
  ctx.registry.resume(sbx, timeout);
  sendJson(res, 201, sandboxBody(sbx));
}

async function setTimeoutHandler(ctx, req, res, id) {
  const body = await readJson(req);
  if (body.timeout === undefined) throw new HttpError(400, "'timeout' is required");
  const timeout = v.timeout(body, 'timeout');
  const sbx = mustGet(ctx, id);
  if (sbx.state !== 'running') throw notFound(id); // paused ones are not in the running store
  ctx.registry.setEnd(sbx, Date.now() + timeout * 1000);
  sendEmpty(res, 204);
}

async function refresh(ctx, req, res, id) {
  const body = await readJson(req);
  const d = body.duration === undefined ? 0 : body.duration;
  if (!Number.isInteger(d) || d < 0 || d > 3600) throw new HttpError(400, "'duration' must be an integer from 0 to 3600");
  const sbx = mustGet(ctx, id);
  if (sbx.state !== 'running') throw notFound(id);
  ctx.registry.setEnd(sbx, Math.max(sbx.meta.endAt, Date.now() + d * 1000));
  sendEmpty(res, 204);
}

async function pause(ctx, req, res, id) {
  const body = await readJson(req);
  const memory = v.optBool(body, 'memory');
  const sbx = mustGet(ctx, id);
  if (sbx.state === 'paused') {
    throw new HttpError(409, `Error pausing sandbox - sandbox '${id}' is already paused`);
  }
  if (sbx.state !== 'running') throw new HttpError(409, `Sandbox '${id}' cannot be paused while in '${sbx.state}' state`);
  ctx.registry.pause(sbx, { memory: memory !== false });
  sendEmpty(res, 204);
}

async function network(ctx, req, res, id) {
  const body = await readJson(req);
  checkEgress(body, '');
  const iaa = body.allow_internet_access;
  if (iaa !== undefined && typeof iaa !== 'boolean') throw new HttpError(400, "'allow_internet_access' must be a boolean");
  const sbx = mustGet(ctx, id);
  if (sbx.state !== 'running') throw new HttpError(409, `Sandbox '${id}' is ${sbx.state}`);
  // The update replaces the whole egress config: what the body omits is cleared.
  await ctx.registry.updateNetwork(sbx, {
    allowOut: body.allowOut, denyOut: body.denyOut, rules: body.rules, egressProxy: body.egressProxy, allowInternetAccess: iaa,
  });
  sendEmpty(res, 204);
}

function unixParam(q, name) {
  if (!q.has(name)) return undefined;
  const n = Number(q.get(name));
  if (!Number.isInteger(n) || n < 0) throw new HttpError(400, `'${name}' must be unix seconds`);
  return n;
}

async function metrics(ctx, req, res, id, q) {
  const start = unixParam(q, 'start');
  const end = unixParam(q, 'end');
  sendJson(res, 200, metricsOf(mustGet(ctx, id), start, end));
}

async function metricsMany(ctx, req, res, id, q) {
  const ids = (q.get('sandbox_ids') || '').split(',').filter(Boolean);
  if (ids.length === 0 || ids.length > 100) throw new HttpError(400, "'sandbox_ids' must list 1 to 100 ids");
  const out = {};
  for (const sid of ids) {
    const sbx = ctx.registry.get(sid);
    if (sbx) { const m = metricsOf(sbx); if (m.length) out[sid] = m[m.length - 1]; }
  }
  sendJson(res, 200, { sandboxes: out });
}

function logsOf(sbx, q) {
  const limit = q.has('limit') ? Number(q.get('limit')) : 1000;
  if (!Number.isInteger(limit) || limit < 0 || limit > 1000) throw new HttpError(400, "'limit' must be an integer from 0 to 1000");
  let logs = sbx.logs;
  const since = q.has('start') ? Number(q.get('start')) : q.has('cursor') ? Number(q.get('cursor')) : undefined;
  if (since !== undefined) {
    if (!Number.isFinite(since)) throw new HttpError(400, "'start'/'cursor' must be unix milliseconds");
    logs = logs.filter((l) => Date.parse(l.timestamp) >= since);
  }
  if (q.has('level')) {
    const order = ['debug', 'info', 'warn', 'error'];
    const min = order.indexOf(q.get('level'));
    if (min < 0) throw new HttpError(400, "'level' must be debug, info, warn or error");
    logs = logs.filter((l) => order.indexOf(l.level) >= min);
  }
  if (q.has('search')) logs = logs.filter((l) => l.message.includes(q.get('search')));
  if (q.get('direction') === 'backward') logs = logs.slice().reverse();
  return logs.slice(0, limit);
}

async function logsV1(ctx, req, res, id, q) {
  const entries = logsOf(mustGet(ctx, id), q);
  sendJson(res, 200, {
    logs: entries.map((l) => ({ timestamp: l.timestamp, line: JSON.stringify({ level: l.level, message: l.message, ...l.fields }) })),
    logEntries: entries,
  });
}

async function logsV2(ctx, req, res, id, q) {
  sendJson(res, 200, { logs: logsOf(mustGet(ctx, id), q) });
}

module.exports = {
  create, getOne, kill, connect, resume, setTimeoutHandler, refresh, pause, network,
  metrics, metricsMany, logsV1, logsV2,
};
