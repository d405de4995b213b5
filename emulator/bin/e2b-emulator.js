#!/usr/bin/env node
'use strict';
// CLI: starts the emulator and prints one JSON line when ready (docs/internals.md §1).
const { createEmulator } = require('../src/server');

const USAGE = 'usage: e2b-emulator [--api-port N] [--envd-port N] [--api-key KEY] [--state-dir DIR] [--parent-pid PID]\n' +
  '  ports default to 3000 and 49983; 0 picks a free port. Binds 127.0.0.1 only.\n' +
  '  --parent-pid: stop (and kill every sandbox) as soon as that process is gone.\n';

const KNOWN = ['--api-port', '--envd-port', '--api-key', '--state-dir', '--parent-pid'];

function parseArgs(argv) {
  const opts = { apiPort: 3000, envdPort: 49983 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') { process.stdout.write(USAGE); process.exit(0); }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (!KNOWN.includes(name)) throw new Error(`unknown option ${name}`);
    if (value === undefined) throw new Error(`${name} needs a value`);
    switch (name) {
      case '--api-port': opts.apiPort = port(name, value); break;
      case '--envd-port': opts.envdPort = port(name, value); break;
      case '--api-key':
        if (value === '') throw new Error('--api-key must not be empty');
        opts.apiKey = value; break;
      case '--state-dir': opts.stateDir = value; break;
      case '--parent-pid':
        if (!/^[1-9]\d*$/.test(value)) throw new Error(`--parent-pid must be a process id, got '${value}'`);
        opts.parentPid = Number(value); break;
      default: throw new Error(`unknown option ${name}`);
    }
  }
  return opts;
}

function port(name, value) {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new Error(`${name} must be a port number (0-65535), got '${value}'`);
  return n;
}

async function main() {
  let opts;
  try { opts = parseArgs(process.argv.slice(2)); } catch (e) {
    process.stderr.write(`e2b-emulator: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  if (!opts.apiKey && process.env.E2B_EMULATOR_API_KEY) opts.apiKey = process.env.E2B_EMULATOR_API_KEY;
  const emu = await createEmulator(opts);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try { await emu.close(); } finally { process.exit(0); }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('exit', () => { if (!stopping) emu.closeSync(); });
  if (opts.parentPid) watchParent(opts.parentPid, stop);
  process.stdout.write(JSON.stringify({
    api_url: emu.apiUrl, sandbox_url: emu.sandboxUrl, api_key: emu.apiKey, control_url: emu.controlUrl,
    network: emu.network, team_id: emu.teamId, state_dir: emu.stateDir,
  }) + '\n');
}

// A launcher that dies without stopping us (a crashed test run) must not leave sandboxes behind.
function watchParent(pid, stop) {
  const timer = setInterval(() => {
    try { process.kill(pid, 0); } catch (e) { if (e.code === 'ESRCH') { clearInterval(timer); stop(); } }
  }, 500);
  timer.unref();
}

main().catch((e) => {
  process.stderr.write(`e2b-emulator: ${e.message}\n`);
  process.exit(1);
});
