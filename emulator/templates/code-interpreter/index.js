'use strict';
// The built-in template "code-interpreter-v1": E2B's code interpreter. At sandbox start its
// files are put where E2B's template has them (/root/.server, /root/.ipython) and its start
// command runs as a sandbox process (root): server/main.py, the HTTP server of port 49999 with
// IPython kernels (jupyter_client) and bash / javascript kernels of its own. The sandbox is
// handed out once the server answers /health with its default python and javascript contexts
// ready — what E2B's snapshot of a template whose ready command waited for /health gives.
const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');
const log = require('../../src/log');

const PORT = 49999;
const HERE = __dirname;
const READY_TIMEOUT_MS = Number(process.env.E2B_EMULATOR_CI_READY_MS) || 90000;

const template = {
  templateID: 'nlhz8vlwyupq845jsdg9',
  alias: 'code-interpreter-v1',
  buildID: '00000000-0000-4000-8000-000000000049',
  startCmd: '/usr/bin/python3 /root/.server/main.py',
  readyCmd: `curl -s -o /dev/null -w "%{http_code}" http://localhost:${PORT}/health | grep -q 200`,
  start,
};

// A free TCP port on the host's loopback (sandboxes that share the host network cannot all
// listen on 49999).
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function copyInto(sbx, from, sandboxDir) {
  const dest = sbx.hostPath(sandboxDir, { write: true });
  fs.mkdirSync(dest, { recursive: true });
  fs.cpSync(from, dest, { recursive: true });
}

function health(target, timeoutMs) {
  return new Promise((resolve) => {
    const req = http.get({ host: target.host, port: target.port, path: '/health', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

// TypeScript's compiler (one file) for the typescript kernel's type stripping, copied (never
// linked: the sandbox's root may write to its copy) next to the server.
function copyTypescript(sbx) {
  let pkg;
  try { pkg = require.resolve('typescript/package.json'); } catch { return; }
  const dest = sbx.hostPath('/root/.server/node_modules/typescript', { write: true });
  fs.mkdirSync(path.join(dest, 'lib'), { recursive: true });
  fs.copyFileSync(pkg, path.join(dest, 'package.json'), fs.constants.COPYFILE_FICLONE);
  fs.copyFileSync(path.join(path.dirname(pkg), 'lib', 'typescript.js'), path.join(dest, 'lib', 'typescript.js'), fs.constants.COPYFILE_FICLONE);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts the server as a sandbox process (root) and resolves once it answers /health.
// -> { child, exited() }
async function launch(sbx) {
  const shared = sbx.networkMode !== 'isolated'; // own network namespace: the real port
  const port = shared ? await freePort() : PORT;
  if (shared) sbx.mapPort(PORT, port);
  const envs = {
    E2B_CI_SANDBOX_ENVS: JSON.stringify(sbx.envVars || {}),
    E2B_CODE_INTERPRETER_PORT: String(port),
    E2B_CODE_INTERPRETER_HOST: shared ? '127.0.0.1' : '0.0.0.0',
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
    JUPYTER_PLATFORM_DIRS: '1',
  };
  let main = '/root/.server/main.py';
  if (!sbx.isolated) { // plain host processes: sandbox paths are host paths under its directory
    main = sbx.hostPath(main);
    envs.E2B_CI_HOME = sbx.hostPath('/home/user');
    envs.IPYTHONDIR = sbx.hostPath('/root/.ipython');
  }
  const child = sbx.spawn({ cmd: '/usr/bin/python3', args: [main], user: 'root', cwd: sbx.isolated ? '/root/.server' : undefined, envs });
  let output = '';
  const keep = (d) => {
    output = (output + d).slice(-4000);
    log.debug(`sandbox ${sbx.id} code interpreter: ${String(d).trimEnd()}`);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    if (sbx.state === 'running') log.warn(`sandbox ${sbx.id}: code interpreter server exited (${code ?? signal}): ${output.trim().split('\n').slice(-3).join(' | ')}`);
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) throw new Error(`code interpreter server exited (${exited.code ?? exited.signal}): ${output.trim()}`);
    if (sbx.state !== 'running' && sbx.state !== 'starting') throw new Error(`sandbox ${sbx.id} is ${sbx.state}`);
    if (await health(sbx.portTarget(PORT), 1000)) break;
    if (Date.now() > deadline) throw new Error(`code interpreter server not ready in ${READY_TIMEOUT_MS} ms: ${output.trim()}`);
    await sleep(50);
  }
  sbx.log('info', 'code interpreter ready', { port });
  return { child, exited: () => exited !== null };
}

// After a resume without memory (a cold boot: every process is gone) the template's start
// command runs again; requests for port 49999 wait for it (sbx.portReady, see envd/router.js).
async function afterResume(sbx, server) {
  const deadline = Date.now() + 10000;
  while (!server.exited()) { // kept memory: it answers at once
    if (await health(sbx.portTarget(PORT), 500)) return server;
    if (Date.now() > deadline || sbx.state !== 'running') return server;
    await sleep(20);
  }
  if (sbx.state !== 'running') return server;
  log.info(`sandbox ${sbx.id}: resumed without its processes, starting the code interpreter again`);
  return launch(sbx);
}

async function start(sbx) {
  copyInto(sbx, path.join(HERE, 'server'), '/root/.server');
  copyInto(sbx, path.join(HERE, 'ipython'), '/root/.ipython/profile_default');
  copyTypescript(sbx);
  let server = await launch(sbx);
  let ready = null;
  sbx.on('resumed', () => {
    ready = afterResume(sbx, server).then((s) => { server = s; }, (e) => {
      log.warn(`sandbox ${sbx.id}: code interpreter did not start again: ${e.message}`);
    }).finally(() => { ready = null; });
  });
  sbx.portReady = (port) => (port === PORT ? ready : null);
}

module.exports = { template, PORT };
