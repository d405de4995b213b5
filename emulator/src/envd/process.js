'use strict';
// process.Process (protocol §4.2): Start, Connect, List, input, signals, PTY resize.
const fs = require('fs');
const { ConnectError, Code, sandboxOf, userOf, keepaliveMs } = require('./context');
const { createPump } = require('./pump');
const { ProcessRecord } = require('./process-record');
const { resolvePath, realSandboxPath, hostOf, PathError } = require('./paths');
const { track } = require('./lifecycle');

const KEEPALIVE = { case: 'keepalive', value: {} };

function findProcess(sbx, selector, { includeExited = false } = {}) {
  const sel = selector && selector.selector;
  if (!sel || sel.case === undefined) throw new ConnectError('process selector is required', Code.InvalidArgument);
  let found = null;
  if (sel.case === 'pid') found = sbx.processes.get(sel.value) || null;
  else for (const r of sbx.processes.values()) if (r.tag === sel.value && (r.running || !found)) found = r;
  if (found && (found.running || includeExited)) return found;
  throw new ConnectError(sel.case === 'pid' ? `process with pid ${sel.value} not found` : `process with tag ${sel.value} not found`, Code.NotFound);
}

// Streams the record's events to one client until `end`, the deadline, cancel or sandbox stop.
async function* follow(sbx, record, ctx) {
  const pump = createPump(ctx.signal, keepaliveMs(ctx), KEEPALIVE);
  const detach = record.attach(pump);
  const untrack = track(sbx, pump);
  try {
    for await (const ev of pump.drain()) yield { event: { event: ev } };
  } finally {
    detach();
    untrack();
  }
}

function resolveCwd(sbx, user, cwd) {
  let p;
  try {
    p = resolvePath(user, cwd || '', sbx.defaultWorkdir);
    const st = fs.statSync(hostOf(sbx, realSandboxPath(sbx, p)));
    if (!st.isDirectory()) throw new ConnectError(`cwd '${p}' is not a directory`, Code.InvalidArgument);
  } catch (e) {
    if (e instanceof ConnectError) throw e;
    if (e instanceof PathError) throw new ConnectError(e.message, Code.InvalidArgument);
    throw new ConnectError(`cwd '${p}' does not exist`, Code.InvalidArgument);
  }
  return p;
}

async function spawnRecord(sbx, user, req, timeoutMs) {
  const cfg = req.process;
  if (!cfg || !cfg.cmd) throw new ConnectError('process.cmd is required', Code.InvalidArgument);
  const cwd = resolveCwd(sbx, user, cfg.cwd);
  // sbx.spawn sets PATH, HOME, USER, LOGNAME of the user, then the sandbox's envVars, then these.
  const envs = { ...cfg.envs };
  const pty = req.pty ? { cols: req.pty.size ? req.pty.size.cols : 80, rows: req.pty.size ? req.pty.size.rows : 24 } : null;
  const stdin = !pty && req.stdin !== false;
  let child;
  try {
    child = sbx.spawn({ cmd: cfg.cmd, args: [...cfg.args], envs, cwd, user: user.name, pty, stdin });
  } catch (e) {
    throw new ConnectError(`error starting process '${cfg.cmd}': ${e.message}`, Code.InvalidArgument);
  }
  const config = { cmd: cfg.cmd, args: [...cfg.args], envs: { ...cfg.envs } };
  if (cfg.cwd !== undefined) config.cwd = cfg.cwd;
  // The record takes the pipes at once: a process that exits before its pid is reported would
  // otherwise have its unread output resumed into the void by Node's child_process (flushStdio).
  const record = new ProcessRecord(sbx, { child, config, tag: req.tag, isPty: Boolean(pty), stdin });
  record.pid = await child.ready; // the pid inside the sandbox
  sbx.processes.set(record.pid, record);
  if (timeoutMs > 0) record.limitLifetime(timeoutMs);
  return record;
}

function writeInput(record, input) {
  const inp = input && input.input;
  if (!inp || inp.case === undefined) return; // empty input: nothing to write
  if (inp.case === 'stdin') {
    if (record.isPty || !record.stdinOpen) throw new ConnectError('error writing to stdin: stdin not enabled or closed', Code.Internal);
    record.child.stdin.write(Buffer.from(inp.value));
  } else {
    if (!record.isPty) throw new ConnectError('error writing to pty: process was not started with a pty', Code.Internal);
    record.child.pty.write(Buffer.from(inp.value));
  }
}

const SIGNALS = { 9: 'SIGKILL', 15: 'SIGTERM' };

const processService = {
  async *start(req, ctx) {
    const sbx = sandboxOf(ctx);
    const record = await spawnRecord(sbx, userOf(ctx), req, ctx.timeoutMs() || 0);
    yield* follow(sbx, record, ctx);
  },

  async *connect(req, ctx) {
    const sbx = sandboxOf(ctx);
    yield* follow(sbx, findProcess(sbx, req.process, { includeExited: true }), ctx);
  },

  async list(_req, ctx) {
    const processes = [];
    for (const r of sandboxOf(ctx).processes.values()) {
      if (!r.running) continue;
      const info = { config: r.config, pid: r.pid };
      if (r.tag !== undefined) info.tag = r.tag;
      processes.push(info);
    }
    return { processes };
  },

  async sendInput(req, ctx) {
    writeInput(findProcess(sandboxOf(ctx), req.process), req.input);
    return {};
  },

  // Client streaming: a start event selects the process, data events carry input in order.
  async streamInput(reqs, ctx) {
    let record = null;
    for await (const msg of reqs) {
      const ev = msg.event;
      if (ev.case === 'start') record = findProcess(sandboxOf(ctx), ev.value.process);
      else if (ev.case === 'data') {
        if (!record) throw new ConnectError('stream input must begin with a start event', Code.FailedPrecondition);
        writeInput(record, ev.value.input);
      }
    }
    return {};
  },

  async sendSignal(req, ctx) {
    const record = findProcess(sandboxOf(ctx), req.process);
    const name = SIGNALS[req.signal];
    if (!name) throw new ConnectError(`invalid signal: ${req.signal}`, Code.Unimplemented);
    try {
      record.child.kill(name);
    } catch (e) {
      throw new ConnectError(`error sending signal: ${e.message}`, Code.Internal);
    }
    return {};
  },

  async closeStdin(req, ctx) {
    const record = findProcess(sandboxOf(ctx), req.process);
    if (record.isPty) throw new ConnectError('cannot close stdin of a PTY process: send Ctrl+D (0x04) instead', Code.Unknown);
    if (record.stdinOpen) { record.stdinOpen = false; record.child.stdin.end(); }
    return {};
  },

  async update(req, ctx) {
    const record = findProcess(sandboxOf(ctx), req.process);
    if (!req.pty) return {};
    if (!record.isPty) throw new ConnectError('error resizing pty: process was not started with a pty', Code.Internal);
    const size = req.pty.size || { cols: 0, rows: 0 };
    try {
      record.child.pty.resize(size.cols, size.rows);
    } catch (e) {
      throw new ConnectError(`error resizing pty: ${e.message}`, Code.Internal);
    }
    return {};
  },
};

module.exports = { processService };
