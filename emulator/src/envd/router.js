'use strict';
// Front door of the envd server (what E2B's edge proxy does): finds the sandbox of each request,
// answers /health, proxies other ports, checks X-Access-Token, applies faults, then hands the
// request to envd's services: require('./services').createEnvdHandler({ registry }).
const http = require('http');
const { sameSecret } = require('../api/index');
const log = require('../log');

const ENVD_PORT = 49983;

const { sendJson } = require('../api/http');

// -> { id, port } from Host "<port>-<id>.<domain>", else from the E2b-Sandbox-* headers.
function target(req) {
  const host = String(req.headers.host || '').replace(/:\d+$/, '');
  const label = host.split('.')[0];
  const m = /^(\d+)-([a-z0-9]+)$/.exec(label);
  if (m && host.includes('.')) return { id: m[2], port: Number(m[1]), from: 'host' };
  const id = req.headers['e2b-sandbox-id'];
  const port = req.headers['e2b-sandbox-port'];
  return { id: id === undefined ? null : String(id), port: port === undefined ? ENVD_PORT : Number(port), from: 'header' };
}

function loadServices(registry) {
  try {
    return require('./services').createEnvdHandler({ registry });
  } catch (e) {
    if (e.code === 'MODULE_NOT_FOUND' && /['"]\.\/services['"]/.test(e.message)) return null;
    throw e;
  }
}

// Streams the request to the sandbox's port, wherever sbx.portTarget says it is (inside the
// sandbox's own network namespace, or the host's 127.0.0.1 when sandboxes share the network).
function proxy(req, res, sbx, port) {
  const headers = { ...req.headers };
  delete headers['e2b-sandbox-id'];
  delete headers['e2b-sandbox-port'];
  const to = sbx.portTarget(port);
  const up = http.request({ host: to.host, port: to.port, method: req.method, path: req.url, headers }, (ur) => {
    res.writeHead(ur.statusCode, ur.rawHeaders);
    ur.pipe(res);
    ur.on('error', () => res.destroy());
  });
  up.on('error', (e) => {
    if (res.headersSent) { res.destroy(); return; }
    const message = e.code === 'ECONNREFUSED' ? 'The sandbox is running but port is not open' : `proxy error: ${e.code || e.message}`;
    sendJson(res, 502, { sandboxId: sbx.id, message, port, code: 502 });
  });
  res.on('close', () => { if (!res.writableFinished) up.destroy(); });
  req.pipe(up);
}

// ctx: { registry, faults }
function createEnvdRouter(ctx) {
  let services;
  const handler = () => {
    if (!services) services = loadServices(ctx.registry) || undefined;
    return services;
  };
  return async function route(req, res, url) {
    const t = target(req);
    const path = url.pathname;
    if (await ctx.faults.apply(req, res, { surface: 'envd', sandboxId: t.id, path })) return;
    if (t.id === null) {
      // Signed /files URLs carry no sandbox id; envd's files handler finds it by signature.
      if (path === '/files') return dispatch(handler(), req, res, null);
      return sendJson(res, 400, { code: 400, message: 'Missing header: E2b-Sandbox-Id' });
    }
    if (!/^[a-z0-9]+$/.test(t.id)) return sendJson(res, 400, { code: 400, message: 'invalid sandbox id' });
    if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) {
      return sendJson(res, 400, { code: 400, message: 'invalid E2b-Sandbox-Port' });
    }
    const sbx = ctx.registry.get(t.id);
    if (sbx && sbx.state === 'paused' && sbx.meta.autoResume) {
      ctx.registry.resume(sbx, sbx.meta.createTimeout); // auto-resume on traffic
    }
    if (!sbx || sbx.state !== 'running') {
      return sendJson(res, 502, { sandboxId: t.id, message: 'The sandbox was not found', code: 502 });
    }
    if (t.port !== ENVD_PORT) {
      // A template's server that is starting again (a cold resume) is waited for.
      const starting = typeof sbx.portReady === 'function' ? sbx.portReady(t.port) : null;
      if (starting) await starting;
      if (sbx.state !== 'running') return sendJson(res, 502, { sandboxId: t.id, message: 'The sandbox was not found', code: 502 });
      return proxy(req, res, sbx, t.port);
    }
    if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(204);
      return res.end();
    }
    if (sbx.envdAccessToken && path !== '/files' && !sameSecret(req.headers['x-access-token'], sbx.envdAccessToken)) {
      return sendJson(res, 401, { code: 401, message: 'unauthorized access, please provide a valid access token or method signing if supported' });
    }
    return dispatch(handler(), req, res, sbx);
  };
}

function dispatch(h, req, res, sbx) {
  if (!h) return sendJson(res, 501, { code: 501, message: 'envd services are not available in this build' });
  try {
    const r = h(req, res, sbx);
    if (r && typeof r.catch === 'function') r.catch((e) => fail(res, e));
  } catch (e) { fail(res, e); }
}

function fail(res, e) {
  log.error(`envd handler: ${e.stack || e}`);
  sendJson(res, 500, { code: 500, message: 'internal error' });
}

module.exports = { createEnvdRouter, target, ENVD_PORT };
