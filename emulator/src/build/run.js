'use strict';
// Runs one shell command in a sandbox and collects its output: what a build step and a
// template's ready check do. The command goes through envd's own spawn (real processes).
const MAX_OUTPUT = 64 * 1024;

// -> { code, output } ; onLine(stream, line) for each complete line as it comes.
function runShell(sbx, cmd, { user, cwd, envs, onLine, timeoutMs = 0 } = {}) {
  return new Promise((resolve) => {
    let child;
    try {
      child = sbx.spawn({ cmd: '/bin/bash', args: ['-c', cmd], user, cwd, envs });
    } catch (e) { resolve({ code: 127, output: e.message }); return; }
    let output = '';
    const bufs = { stdout: '', stderr: '' };
    const feed = (name) => (d) => {
      output = (output + d).slice(-MAX_OUTPUT);
      bufs[name] += d;
      let i;
      while ((i = bufs[name].indexOf('\n')) >= 0) {
        const line = bufs[name].slice(0, i);
        bufs[name] = bufs[name].slice(i + 1);
        if (onLine) onLine(name, line);
      }
    };
    child.stdout.on('data', feed('stdout'));
    child.stderr.on('data', feed('stderr'));
    let timer = null;
    if (timeoutMs > 0) timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      for (const name of ['stdout', 'stderr']) if (bufs[name] && onLine) onLine(name, bufs[name]);
      resolve({ code: code === null ? 128 + 9 : code, signal, output });
    });
  });
}

// Starts cmd in the background (a template's start command). -> ChildHandle
function startShell(sbx, cmd, { user, cwd, envs } = {}) {
  const child = sbx.spawn({ cmd: '/bin/bash', args: ['-c', cmd], user, cwd, envs });
  child.stdout.resume();
  child.stderr.resume();
  return child;
}

// Runs readyCmd every intervalMs until it exits 0; rejects after timeoutMs.
async function waitReady(sbx, readyCmd, { user, cwd, envs, intervalMs = 1000, timeoutMs = 60000 } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await runShell(sbx, readyCmd, { user, cwd, envs, timeoutMs: Math.max(1000, end - Date.now()) });
    if (r.code === 0) return;
    if (Date.now() + intervalMs > end) throw new Error(`the ready command did not succeed within ${Math.round(timeoutMs / 1000)} s: ${readyCmd}`);
    if (sbx.state !== 'running') throw new Error(`the sandbox is ${sbx.state}`);
    await new Promise((r2) => setTimeout(r2, intervalMs));
  }
}

module.exports = { runShell, startShell, waitReady };
