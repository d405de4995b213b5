'use strict';
// Snapshots (a sandbox's files at one moment, kept as a template) and fork (one checkpoint, then
// N sandboxes from it). Processes are not carried: a sandbox from a snapshot starts with the
// files (and the template's start command, if any), see emulator/README.md.
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { HttpError, sendJson, readJson } = require('./http');
const v = require('./validate');
const { parseName } = require('./names');
const { sandboxBody } = require('./views');
const { TEAM_SLUG } = require('../team');

function mustRun(ctx, id, what) {
  const sbx = ctx.registry.get(id);
  if (!sbx) throw new HttpError(404, `Sandbox '${id}' not found or not running`);
  if (sbx.state !== 'running') throw new HttpError(409, `Sandbox '${id}' cannot be ${what} while in '${sbx.state}' state`);
  return sbx;
}

function snapshotInfo(t) {
  if (t.alias) return { snapshotID: `${TEAM_SLUG}/${t.alias}:${t.tags[0]}`, names: [`${TEAM_SLUG}/${t.alias}`] };
  return { snapshotID: `${t.templateID}:${t.tags[0]}`, names: [] };
}

function layerDir(ctx) {
  return path.join(ctx.registry.stateDir, 'layers', crypto.randomUUID());
}

// The template a sandbox was created from, as a parent of what is taken from it.
function parentOf(ctx, sbx) {
  const found = ctx.templates.runnable(sbx.meta.templateID);
  return found && found.run;
}

async function createSnapshot(ctx, req, res, id) {
  const body = await readJson(req);
  let name = null;
  if (body.name !== undefined && body.name !== null) name = parseName(body.name);
  const sbx = mustRun(ctx, id, 'snapshotted');
  let existing = null;
  if (name) {
    existing = ctx.templates.resolve(name.alias);
    if (existing && existing.kind !== 'snapshot') {
      throw new HttpError(400, `name '${name.alias}' is already used by a template that is not a snapshot`);
    }
  }
  const dir = layerDir(ctx);
  try { await ctx.registry.checkpoint(sbx, dir); } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new HttpError(500, `Error creating snapshot template: ${e.message}`);
  }
  const parent = parentOf(ctx, sbx);
  const fields = {
    layer: dir,
    envVars: { ...sbx.envVars },
    user: sbx.defaultUser,
    workdir: sbx.defaultWorkdir,
    start: parent && parent.start,
    startCmd: parent && parent.startCmd,
    readyCmd: parent && parent.readyCmd,
    sourceSandboxId: sbx.id,
    cpuCount: sbx.meta.cpuCount,
    memoryMB: sbx.meta.memoryMB,
  };
  let t;
  if (existing) { // a new build of the same snapshot template, under its (new) tag
    if (existing.layer) fs.rmSync(existing.layer, { recursive: true, force: true });
    Object.assign(existing, fields, { buildID: crypto.randomUUID(), updatedAt: new Date().toISOString() });
    existing.tags = [name.tag || 'default'];
    t = existing;
  } else {
    t = ctx.templates.add({ kind: 'snapshot', alias: name ? name.alias : null, tags: [(name && name.tag) || 'default'], buildCount: 1, ...fields });
  }
  sendJson(res, 201, snapshotInfo(t));
}

function decodeToken(token) {
  const n = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(n) || n < 0) throw new HttpError(400, 'invalid nextToken');
  return n;
}

// GET /snapshots?sandboxID&name&limit&nextToken, newest first.
async function listSnapshots(ctx, req, res, id, q) {
  let limit = 100;
  if (q.has('limit')) {
    limit = Number(q.get('limit'));
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new HttpError(400, 'limit must be an integer from 1 to 100');
  }
  const from = q.get('nextToken') ? decodeToken(q.get('nextToken')) : 0;
  let all = ctx.templates.list('snapshot').slice().reverse();
  if (q.get('sandboxID')) all = all.filter((t) => t.sourceSandboxId === q.get('sandboxID'));
  if (q.get('name')) {
    const { alias } = parseName(q.get('name'));
    all = all.filter((t) => t.alias === alias);
  }
  const page = all.slice(from, from + limit);
  const headers = from + limit < all.length ? { 'X-Next-Token': Buffer.from(String(from + limit)).toString('base64url') } : {};
  sendJson(res, 200, page.map(snapshotInfo), headers);
}

// POST /sandboxes/{id}/fork {timeout, count}: 201 [{sandbox} | {error}] in order.
async function fork(ctx, req, res, id) {
  const body = await readJson(req);
  const timeout = v.timeout(body, 'timeout', 15);
  const count = body.count === undefined || body.count === null ? 1 : body.count;
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new HttpError(400, "'count' must be an integer from 1 to 100");
  const sbx = mustRun(ctx, id, 'forked');
  const dir = layerDir(ctx);
  try {
    try { await ctx.registry.checkpoint(sbx, dir); } catch (e) {
      throw new HttpError(500, `Error checkpointing sandbox: ${e.message}`);
    }
    const parent = parentOf(ctx, sbx);
    const m = sbx.meta;
    const one = () => ctx.registry.create({
      templateID: m.templateID, alias: m.alias, buildID: m.buildID, timeout, metadata: m.metadata,
      envVars: sbx.envVars, secure: !!sbx.envdAccessToken, autoPause: m.autoPause,
      autoPauseMemory: m.autoPauseMemory, autoResume: m.autoResume,
      allowInternetAccess: m.allowInternetAccess, network: m.network, layer: dir,
      user: sbx.defaultUser, workdir: sbx.defaultWorkdir, start: parent && parent.start,
    });
    // Bounded parallelism: each fork is a bubblewrap plus a copy of the files.
    const results = new Array(count);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        try { results[i] = { sandbox: sandboxBody(await one()) }; } catch (e) {
          results[i] = { error: { code: 500, message: `Failed to start forked sandbox: ${e.message}` } };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, count) }, worker));
    sendJson(res, 201, results);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { createSnapshot, listSnapshots, fork, snapshotInfo };
