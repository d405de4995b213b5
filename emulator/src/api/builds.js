'use strict';
// Template builds (the v2 SDK flow, facts §2.3): POST /v3/templates, the files link and its
// upload target, POST /v2/templates/{id}/builds/{bid}, the build status with logs paging;
// plus aliases, tags, get and update of templates.
const crypto = require('crypto');
const { HttpError, sendJson, sendEmpty, readJson } = require('./http');
const { parseName, checkTag } = require('./names');
const { describe, namesOf, ENVD_VERSION } = require('./templates');
const { HASH_RE } = require('../build/files');
const { runBuild } = require('../build/builder');
const log = require('../log');

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const bad = (m) => new HttpError(400, m);

function mustTemplate(ctx, id) {
  const t = ctx.templates.resolve(id);
  if (!t) throw new HttpError(404, `Template '${id}' not found`);
  return t;
}

function ownBuilt(ctx, id) {
  const t = mustTemplate(ctx, id);
  if (t.kind === 'builtin') throw new HttpError(403, `You don't have access to template '${id}'`);
  return t;
}

function intField(body, key, min, max, dflt) {
  const v = body[key];
  if (v === undefined || v === null) return dflt;
  if (!Number.isInteger(v) || v < min || v > max) throw bad(`'${key}' must be an integer from ${min} to ${max}`);
  return v;
}

function tagList(v, key) {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(`'${key}' must be an array of strings`);
  return v.map((t) => checkTag(t));
}

// POST /v3/templates {name, tags, cpuCount, memoryMB} -> 202: a new build waiting for its start.
async function requestBuild(ctx, req, res) {
  const body = await readJson(req);
  const { alias, tag } = parseName(body.name !== undefined ? body.name : body.alias);
  const tags = [...new Set([tag || 'default', ...tagList(body.tags, 'tags')])];
  const cpuCount = intField(body, 'cpuCount', 1, 8, 2);
  const memoryMB = intField(body, 'memoryMB', 128, 8192, 1024);
  let t = ctx.templates.resolve(alias);
  if (t && t.kind !== 'build') throw bad(`Name '${alias}' is already used by a ${t.kind === 'builtin' ? 'public template' : 'snapshot'}`);
  if (!t) t = ctx.templates.add({ kind: 'build', alias, builds: [], tagMap: {}, tagTimes: {}, buildStatus: 'waiting' });
  const now = new Date().toISOString();
  const b = {
    buildID: crypto.randomUUID(), status: 'waiting', createdAt: now, updatedAt: now, finishedAt: null,
    cpuCount, memoryMB, tags, logEntries: [], reason: null,
  };
  t.builds.push(b);
  t.cpuCount = cpuCount;
  t.memoryMB = memoryMB;
  sendJson(res, 202, { templateID: t.templateID, buildID: b.buildID, public: t.public, names: namesOf(t), tags, aliases: [alias] });
}

// GET /templates/{id}/files/{hash} -> 201 {present, url?}
async function filesLink(ctx, req, res, id, q, hash) {
  mustTemplate(ctx, id);
  if (!HASH_RE.test(hash)) throw bad('Invalid files hash');
  if (ctx.files.has(hash)) return sendJson(res, 201, { present: true });
  const base = `http://${req.headers.host}`;
  sendJson(res, 201, { present: false, url: `${base}/_uploads/${hash}?token=${ctx.files.token(hash)}` });
}

// PUT /_uploads/{hash}?token=… (no API key: the URL is the permission, like a presigned URL).
async function upload(ctx, req, res, hash, q) {
  if (!HASH_RE.test(hash) || !ctx.files.validToken(hash, q.get('token'))) {
    req.resume();
    throw new HttpError(403, 'invalid upload URL');
  }
  try { await ctx.files.store(hash, req); } catch (e) {
    if (e && e.status) throw new HttpError(e.status, e.message);
    throw e;
  }
  sendEmpty(res, 200);
}

function checkSteps(steps) {
  if (steps === undefined || steps === null) return [];
  if (!Array.isArray(steps)) throw bad("'steps' must be an array");
  return steps.map((s, i) => {
    if (!s || typeof s !== 'object' || typeof s.type !== 'string' || s.type === '') throw bad(`'steps[${i}].type' must be a non-empty string`);
    if (s.args !== undefined && (!Array.isArray(s.args) || s.args.some((a) => typeof a !== 'string'))) throw bad(`'steps[${i}].args' must be an array of strings`);
    if (s.filesHash !== undefined && s.filesHash !== null && !HASH_RE.test(s.filesHash)) throw bad(`'steps[${i}].filesHash' must be 64 hex digits`);
    return { type: s.type, args: s.args || [], filesHash: s.filesHash || null, force: !!s.force };
  });
}

function optString(body, key) {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(`'${key}' must be a string`);
  return v;
}

function mustBuild(t, bid) {
  if (!UUID_RE.test(bid)) throw bad('Invalid build id');
  const b = (t.builds || []).find((x) => x.buildID === bid);
  if (!b) throw bad(`Build '${bid}' not found`);
  return b;
}

// POST /v2/templates/{id}/builds/{bid} -> 202; the build runs in the background.
async function startBuild(ctx, req, res, id, q, bid) {
  const body = await readJson(req);
  const t = ownBuilt(ctx, id);
  const b = mustBuild(t, bid);
  const spec = {
    fromImage: optString(body, 'fromImage'),
    fromTemplate: optString(body, 'fromTemplate'),
    startCmd: optString(body, 'startCmd'),
    readyCmd: optString(body, 'readyCmd'),
    steps: checkSteps(body.steps),
    fromImageRegistry: body.fromImageRegistry || null,
    force: body.force === true, // skipCache: no layer cache hits
  };
  if (body.force !== undefined && body.force !== null && typeof body.force !== 'boolean') throw bad("'force' must be a boolean");
  if (spec.fromImage && spec.fromTemplate) throw bad("only one of 'fromImage' and 'fromTemplate' may be given");
  if (b.status !== 'waiting') throw bad('build is not in waiting state');
  b.status = 'building';
  res.writeHead(202, { 'Content-Length': 0 }); // the SDK parses a body unless it is declared empty
  res.end();
  runBuild(ctx, t, b, spec).catch((e) => log.error(`build ${bid}: ${e.stack || e}`));
}

// GET /templates/{id}/builds/{bid}/status?logsOffset&limit&level
async function buildStatus(ctx, req, res, id, q, bid) {
  const t = mustTemplate(ctx, id);
  const b = mustBuild(t, bid);
  const offset = q.has('logsOffset') ? Number(q.get('logsOffset')) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw bad("'logsOffset' must be a non-negative integer");
  const limit = q.has('limit') ? Number(q.get('limit')) : 100;
  if (!Number.isInteger(limit) || limit < 0 || limit > 100) throw bad("'limit' must be an integer from 0 to 100");
  const levels = ['debug', 'info', 'warn', 'error'];
  let entries = b.logEntries;
  if (q.has('level')) {
    const min = levels.indexOf(q.get('level'));
    if (min < 0) throw bad("'level' must be debug, info, warn or error");
    entries = entries.filter((e) => levels.indexOf(e.level) >= min);
  }
  const body = {
    templateID: t.templateID, buildID: b.buildID, status: b.status, logs: [],
    logEntries: entries.slice(offset, offset + limit),
  };
  if (b.status === 'error' && b.reason) body.reason = b.reason;
  sendJson(res, 200, body);
}

// GET /templates/{id}/builds/{bid}/logs?cursor(ms)&limit(≤100)&direction&level -> {logs}
async function buildLogs(ctx, req, res, id, q, bid) {
  const t = mustTemplate(ctx, id);
  const b = mustBuild(t, bid);
  const limit = q.has('limit') ? Number(q.get('limit')) : 100;
  if (!Number.isInteger(limit) || limit < 0 || limit > 100) throw bad("'limit' must be an integer from 0 to 100");
  const dir = q.get('direction') || 'forward';
  if (dir !== 'forward' && dir !== 'backward') throw bad("'direction' must be forward or backward");
  const levels = ['debug', 'info', 'warn', 'error'];
  let logs = b.logEntries;
  if (q.has('cursor')) {
    const c = Number(q.get('cursor'));
    if (!Number.isInteger(c) || c < 0) throw bad("'cursor' must be unix milliseconds");
    logs = logs.filter((e) => (dir === 'forward' ? Date.parse(e.timestamp) >= c : Date.parse(e.timestamp) <= c));
  }
  if (q.has('level')) {
    const min = levels.indexOf(q.get('level'));
    if (min < 0) throw bad("'level' must be debug, info, warn or error");
    logs = logs.filter((e) => levels.indexOf(e.level) >= min);
  }
  if (dir === 'backward') logs = logs.slice().reverse();
  sendJson(res, 200, { logs: logs.slice(0, limit) });
}

// GET /templates/aliases/{alias} -> {templateID, public}
async function alias(ctx, req, res, name) {
  const t = ctx.templates.resolve(name);
  if (!t || (t.kind === 'build' && !t.builds.some((b) => b.status === 'ready'))) {
    throw new HttpError(404, `Template alias '${name}' not found`);
  }
  sendJson(res, 200, { templateID: t.templateID, public: t.public });
}

function buildBody(b) {
  return {
    buildID: b.buildID, status: b.status, createdAt: b.createdAt, updatedAt: b.updatedAt,
    ...(b.finishedAt ? { finishedAt: b.finishedAt } : {}), cpuCount: b.cpuCount, memoryMB: b.memoryMB,
    diskSizeMB: 10240, envdVersion: ENVD_VERSION,
  };
}

// GET /templates/{id} -> TemplateWithBuilds
async function getOne(ctx, req, res, id) {
  const t = mustTemplate(ctx, id);
  const d = describe(t);
  sendJson(res, 200, {
    templateID: d.templateID, public: d.public, aliases: d.aliases, names: d.names, createdAt: d.createdAt,
    updatedAt: d.updatedAt, lastSpawnedAt: d.lastSpawnedAt, spawnCount: d.spawnCount,
    builds: t.kind === 'build' ? t.builds.slice().reverse().map(buildBody)
      : [buildBody({ buildID: t.buildID, status: 'ready', createdAt: t.createdAt, updatedAt: t.updatedAt, cpuCount: t.cpuCount, memoryMB: t.memoryMB })],
  });
}

// PATCH /v2/templates/{id} {public} -> {names}; the deprecated PATCH /templates/{id} -> null.
async function update(ctx, req, res, id) {
  const body = await readJson(req);
  if (body.public !== undefined && typeof body.public !== 'boolean') throw bad("'public' must be a boolean");
  const t = ownBuilt(ctx, id);
  if (body.public !== undefined) t.public = body.public;
  t.updatedAt = new Date().toISOString();
  sendJson(res, 200, req.url.startsWith('/v2/') ? { names: namesOf(t) } : null);
}

function readyBuild(t, tag) {
  const bid = t.tagMap && t.tagMap[tag];
  return bid ? t.builds.find((b) => b.buildID === bid) : null;
}

// POST /templates/tags {target: "name[:tag]", tags} -> 201 {buildID, tags}
async function assignTags(ctx, req, res) {
  const body = await readJson(req);
  if (typeof body.target !== 'string' || body.target === '') throw bad("'target' is required");
  const tags = tagList(body.tags, 'tags');
  if (tags.length === 0) throw bad("'tags' must list at least one tag");
  const { alias: name, tag } = parseName(body.target);
  const t = ctx.templates.resolve(name);
  if (!t) throw new HttpError(404, `Template '${name}' not found`);
  if (t.kind !== 'build') throw new HttpError(403, `Tags can only be assigned to your built templates`);
  const b = readyBuild(t, tag || 'default');
  if (!b) throw new HttpError(404, `Tag '${tag || 'default'}' of template '${name}' not found`);
  const now = new Date().toISOString();
  for (const x of tags) { t.tagMap[x] = b.buildID; t.tagTimes[x] = now; if (!b.tags.includes(x)) b.tags.push(x); }
  sendJson(res, 201, { buildID: b.buildID, tags });
}

// DELETE /templates/tags {name, tags} -> 204
async function removeTags(ctx, req, res) {
  const body = await readJson(req);
  if (typeof body.name !== 'string' || body.name === '') throw bad("'name' is required");
  const tags = tagList(body.tags, 'tags');
  if (tags.length === 0) throw bad("'tags' must list at least one tag");
  const { alias: name } = parseName(body.name);
  const t = ctx.templates.resolve(name);
  if (!t) throw new HttpError(404, `Template '${name}' not found`);
  if (t.kind !== 'build') throw new HttpError(403, 'Tags can only be removed from your built templates');
  for (const x of tags) if (!t.tagMap[x]) throw new HttpError(404, `Tag '${x}' of template '${name}' not found`);
  for (const x of tags) { delete t.tagMap[x]; delete t.tagTimes[x]; }
  sendEmpty(res, 204);
}

// GET /templates/{id}/tags -> [{tag, buildID, createdAt}]
async function listTags(ctx, req, res, id) {
  const t = mustTemplate(ctx, id);
  if (t.kind !== 'build') return sendJson(res, 200, [{ tag: 'default', buildID: t.buildID, createdAt: t.createdAt }]);
  sendJson(res, 200, Object.entries(t.tagMap).map(([tag, buildID]) => ({ tag, buildID, createdAt: t.tagTimes[tag] || t.createdAt })));
}

module.exports = { requestBuild, filesLink, upload, startBuild, buildStatus, buildLogs, alias, getOne, update, assignTags, removeTags, listTags };
