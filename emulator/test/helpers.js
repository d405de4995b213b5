'use strict';
// Starts the emulator as a child process (the way users run it) and tears it down.
const { spawn } = require('child_process');
const http = require('http');
const net = require('net');
const path = require('path');
const readline = require('readline');

const BIN = path.join(__dirname, '..', 'bin', 'e2b-emulator.js');

// -> { apiUrl, sandboxUrl, apiKey, controlUrl, stop() }
function startEmulator({ args = [], env = {}, timeoutMs = 15000 } = {}) {
  const child = spawn(process.execPath, [BIN, '--api-port', '0', '--envd-port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`emulator not ready in ${timeoutMs} ms: ${stderr}`)); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`emulator exited (${code}): ${stderr}`)); });
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const info = JSON.parse(line);
      resolve({
        apiUrl: info.api_url,
        sandboxUrl: info.sandbox_url,
        apiKey: info.api_key,
        controlUrl: info.control_url,
        network: info.network, // 'isolated' | 'shared'
        teamId: info.team_id,
        stateDir: info.state_dir,
        child,
        stderr: () => stderr,
        // SIGTERM, then SIGKILL if it does not stop within 10 s.
        stop() {
          if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
          return new Promise((done) => {
            const kill = setTimeout(() => child.kill('SIGKILL'), 10000);
            child.once('exit', () => { clearTimeout(kill); done(); });
            child.kill('SIGTERM');
          });
        },
      });
    });
  });
}

// Options for the official `e2b` client.
function sdkOpts(emu, extra = {}) {
  return { apiUrl: emu.apiUrl, sandboxUrl: emu.sandboxUrl, apiKey: emu.apiKey, requestTimeoutMs: 10000, ...extra };
}

// Raw API call: -> { status, headers, body (parsed JSON or text) }
async function api(emu, method, path, body, headers = {}) {
  const res = await fetch(emu.apiUrl + path, {
    method,
    headers: { 'X-API-KEY': emu.apiKey, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed = text;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, body: parsed };
}

// Raw envd call routed by header.
async function envd(emu, id, path, { method = 'GET', headers = {}, body } = {}) {
  const res = await fetch(emu.sandboxUrl + path, {
    method, body, headers: { 'E2b-Sandbox-Id': id, 'E2b-Sandbox-Port': '49983', ...headers },
  });
  const text = await res.text();
  let parsed = text;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, body: parsed };
}

async function waitFor(fn, { timeoutMs = 10000, stepMs = 50 } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

// A GET through node's http (not fetch: fetch will not send a Host header of our choosing, and
// routing by Host is what the sandbox-port tests check). -> { status, body }
function httpGet(url, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

// A TCP port free on the host's loopback right now.
function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

// For a test file that drives one standalone envd (no API) through the official client: starts
// it before the file's tests and closes it after them. -> { env, sbx }, filled in by then.
function officialSandboxOnEnvd(test) {
  const ctx = { env: null, sbx: null };
  test.before(async () => {
    const { Sandbox } = require('e2b');
    const { startSandboxWithEnvd } = require('../src/envd/standalone');
    ctx.env = await startSandboxWithEnvd();
    ctx.sbx = await Sandbox.create({ debug: true, sandboxUrl: ctx.env.url, apiKey: 'e2b_' + '0'.repeat(40) });
  });
  test.after(async () => { await ctx.env.close(); });
  return ctx;
}

module.exports = { startEmulator, sdkOpts, api, envd, waitFor, httpGet, freePort, officialSandboxOnEnvd };
