'use strict';
// The emulator: one HTTP server for the management API (+ control endpoint), one for envd,
// both on 127.0.0.1.
const http = require('http');
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { Registry } = require('./sandbox/registry');
const { EventLog } = require('./sandbox/events');
const { TemplateStore } = require('./api/templates');
const { TEAM_ID } = require('./team');
const { Webhooks } = require('./webhooks');
const { FileCache } = require('./build/files');
const { BuildCache } = require('./build/cache');
const { createApiHandler, sameSecret } = require('./api/index');
const { PortListeners } = require('./ports');
const { sendJson, sendError, readJson, HttpError } = require('./api/http');
const { startSampler } = require('./api/metrics');
const { createEnvdRouter } = require('./envd/router');
const { Faults, FaultError } = require('./faults');
const log = require('./log');
const isolation = require('./sandbox/isolation');

const HOST = '127.0.0.1';

function randomApiKey() {
  return 'e2b_' + crypto.randomBytes(20).toString('hex');
}

// POST /_emulator/sandboxes/<id>/ports/<port> (X-API-Key): a loopback listener for that port of
// the sandbox (ports.js) -> 200 {url, host, port}; the same one again on later calls.
async function portRoute(ctx, req, res, url) {
  const m = /^\/_emulator\/sandboxes\/([a-z0-9]+)\/ports\/([0-9]{1,5})$/.exec(url.pathname);
  if (!m) return sendError(res, 404, `no control route ${url.pathname}`);
  if (req.method !== 'POST') return sendError(res, 405, `method ${req.method} not allowed on ${url.pathname}`);
  if (!sameSecret(req.headers['x-api-key'], ctx.apiKey)) return sendError(res, 401, 'Invalid API key');
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return sendError(res, 400, `port must be from 1 to 65535, got ${m[2]}`);
  const sbx = ctx.registry.get(m[1]);
  if (!sbx) return sendError(res, 404, `sandbox ${m[1]} not found`);
  return sendJson(res, 200, await ctx.ports.open(sbx, port));
}

// /_emulator/faults: POST adds a rule, GET lists, DELETE clears (all, or ?id=N).
async function control(ctx, req, res, url) {
  const { faults } = ctx;
  if (url.pathname.startsWith('/_emulator/sandboxes/')) return portRoute(ctx, req, res, url);
  if (url.pathname !== '/_emulator/faults') return sendError(res, 404, `no control route ${url.pathname}`);
  try {
    if (req.method === 'GET') return sendJson(res, 200, faults.list());
    if (req.method === 'POST') return sendJson(res, 201, faults.add(await readJson(req)));
    if (req.method === 'DELETE') {
      let id;
      if (url.searchParams.has('id')) {
        id = Number(url.searchParams.get('id'));
        if (!Number.isInteger(id)) return sendError(res, 400, "'id' must be an integer");
      }
      return sendJson(res, 200, { removed: faults.clear(id) });
    }
    return sendError(res, 405, `method ${req.method} not allowed on ${url.pathname}`);
  } catch (e) {
    if (e instanceof FaultError) return sendError(res, 400, e.message);
    if (e instanceof HttpError) return sendError(res, e.status, e.message);
    throw e;
  }
}

function parseUrl(req) {
  try { return new URL(req.url, 'http://localhost'); } catch { return null; }
}

function sandboxIdOf(pathname) {
  const m = /^\/(?:v2\/)?sandboxes\/([a-z0-9]+)(?:\/|$)/.exec(pathname);
  return m ? m[1] : undefined;
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => { server.off('error', reject); resolve(server.address().port); });
  });
}

// opts: { apiPort = 0, envdPort = 0, apiKey, stateDir }. Resolves to the running emulator.
async function createEmulator(opts = {}) {
  const apiKey = opts.apiKey || randomApiKey();
  let ownStateDir = false;
  let stateDir = opts.stateDir;
  if (stateDir) {
    if (!fs.existsSync(stateDir)) { fs.mkdirSync(stateDir, { recursive: true }); ownStateDir = true; }
  } else {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2b-emulator-'));
    ownStateDir = true;
  }
  const events = new EventLog({ teamId: TEAM_ID });
  const registry = new Registry({ stateDir, events });
  const templates = new TemplateStore();
  const webhooks = new Webhooks({ events, teamId: TEAM_ID });
  const faults = new Faults();
  // Build sandboxes are the builder's own: not the team's (no events, not listed, no metrics).
  const buildRegistry = new Registry({ stateDir, events: new EventLog({ teamId: TEAM_ID }) });
  const files = new FileCache(path.join(stateDir, 'files'));
  const buildCache = new BuildCache(path.join(stateDir, 'build-cache'));
  const isolated = isolation.detect().mode === 'bwrap';
  const api = createApiHandler({ registry, templates, webhooks, files, buildCache, buildRegistry, stateDir, isolated, apiKey });
  const envd = createEnvdRouter({ registry, faults });
  const stopSampler = startSampler(registry);
  const ports = new PortListeners(registry);
  const controlCtx = { faults, registry, ports, apiKey };

  const guard = (fn) => async (req, res) => {
    const url = parseUrl(req);
    if (!url) return sendError(res, 400, 'malformed request URL');
    try { await fn(req, res, url); } catch (e) {
      log.error(`${req.method} ${req.url}: ${e.stack || e}`);
      if (!res.headersSent) sendError(res, 500, 'internal error'); else res.destroy();
    }
  };
  const apiServer = http.createServer(guard(async (req, res, url) => {
    if (url.pathname.startsWith('/_emulator/')) return control(controlCtx, req, res, url);
    const where = { surface: 'api', sandboxId: sandboxIdOf(url.pathname), path: url.pathname };
    if (await faults.apply(req, res, where)) return;
    return api(req, res, url);
  }));
  const envdServer = http.createServer(guard(envd));
  envdServer.keepAliveTimeout = 640000; // envd's idle timeout
  for (const s of [apiServer, envdServer]) s.on('clientError', (err, socket) => socket.destroy());

  const apiPort = await listen(apiServer, opts.apiPort || 0);
  const envdPort = await listen(envdServer, opts.envdPort || 0);
  let closed = null;
  const emu = {
    apiUrl: `http://${HOST}:${apiPort}`,
    sandboxUrl: `http://${HOST}:${envdPort}`,
    controlUrl: `http://${HOST}:${apiPort}/_emulator`,
    network: isolation.detect().network.mode, // 'isolated' | 'shared' (sandbox/network.js)
    apiKey,
    teamId: TEAM_ID,
    stateDir,
    registry,
    templates,
    faults,
    // Stops serving, kills every sandbox, removes the state it created. Idempotent.
    close() {
      if (!closed) {
        closed = (async () => {
          stopSampler();
          webhooks.close();
          ports.closeAll();
          for (const s of [apiServer, envdServer]) { s.close(); s.closeAllConnections(); }
          await Promise.all([registry.killAll(), buildRegistry.killAll()]);
          if (ownStateDir) fs.rmSync(stateDir, { recursive: true, force: true });
        })();
      }
      return closed;
    },
    // Last resort from process 'exit' handlers (no awaiting possible there).
    closeSync() {
      registry.killAllSync();
      buildRegistry.killAllSync();
      if (ownStateDir) fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return emu;
}

module.exports = { createEmulator, randomApiKey };
