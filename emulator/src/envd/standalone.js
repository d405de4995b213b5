'use strict';
// envd for one sandbox on its own loopback port, without the management API: what the official
// client's debug mode (`debug: true, sandboxUrl`) talks to. Used by the envd tests and handy for
// poking at envd by hand.
const http = require('http');
const { createEnvdHandler } = require('./services');
const { sendJson } = require('../api/http');

async function startStandaloneEnvd({ sandbox, registry = null }) {
  const handler = createEnvdHandler({ registry });
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    if (req.url === '/health') { res.writeHead(204, { 'Cache-Control': 'no-store' }); res.end(); return; }
    const token = sandbox.envdAccessToken;
    if (token && !req.url.startsWith('/files') && req.headers['x-access-token'] !== token) {
      sendJson(res, 401, { code: 401, message: 'unauthorized access, please provide a valid access token or method signing if supported' });
      return;
    }
    handler(req, res, sandbox);
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

module.exports = { startStandaloneEnvd };

// A fresh sandbox (own registry and state dir) served by a standalone envd.
// -> { sandbox, registry, url, close() } ; close kills the sandbox and removes its state.
async function startSandboxWithEnvd({ secure = false, envVars = {} } = {}) {
  const fs = require('fs');
  const os = require('os');
  const path = require('path');
  const { Registry } = require('../sandbox/registry');
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2b-envd-'));
  const registry = new Registry({ stateDir });
  const sandbox = await registry.create({ templateID: 'base', timeout: 600, envVars, secure });
  const envd = await startStandaloneEnvd({ sandbox, registry });
  return {
    sandbox, registry, url: envd.url,
    async close() {
      await envd.close();
      await registry.kill(sandbox.id);
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

module.exports.startSandboxWithEnvd = startSandboxWithEnvd;
