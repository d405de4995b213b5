'use strict';
// ChildHandle: what sbx.spawn() returns to envd (docs/internals.md §4).
const { EventEmitter } = require('events');
const proc = require('./proc');

class ChildHandle extends EventEmitter {
  // child: node ChildProcess of the wrapper (nsenter, or the command itself in plain mode).
  // reportsPid: child.stdio[4] delivers the command's pid inside the sandbox ("<pid>\n").
  constructor(child, { wrapped, pty, reportsPid = wrapped }) {
    super();
    this.hostPid = child.pid; // the wrapper on the host: what freeze/kill/metrics walk from
    this.pid = reportsPid ? null : child.pid; // the pid the sandbox's processes see (envd reports it)
    this.ready = reportsPid ? readPid(child, this) : Promise.resolve(this.pid);
    this._child = child;
    this._wrapped = wrapped;
    this.stdout = child.stdout;
    this.stderr = pty ? null : child.stderr;
    this.stdin = pty ? null : child.stdin;
    this.pty = pty ? {
      write: (buf) => { if (child.stdin.writable) child.stdin.write(buf); },
      resize: (cols, rows) => {
        if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1) {
          throw new Error(`invalid pty size ${cols}x${rows}`);
        }
        const ctl = child.stdio[3];
        if (ctl && ctl.writable) ctl.write(`${cols} ${rows}\n`);
      },
    } : null;
    if (pty) child.stdin.on('error', () => {});
    if (child.stdio[3]) child.stdio[3].on('error', () => {});
    this.exited = false;
    child.on('error', (err) => {
      if (this.exited) return;
      this.exited = true;
      if (this.stderr === null && this.stdout) this.stdout.push(null);
      this.exitStatus = { code: 127, signal: null };
      this.emit('exit', 127, null, err);
    });
    child.on('exit', (code, signal) => {
      this.exited = true;
      this.exitStatus = { code, signal };
      this.emit('exit', code, signal);
    });
  }

  // The process the user asked for: nsenter's child in bwrap mode, the child itself otherwise.
  payloadPid() {
    if (!this._wrapped) return this.hostPid;
    const kids = proc.childrenOf(this.hostPid);
    return kids.length ? kids[0] : null;
  }

  kill(signal = 'SIGKILL') {
    if (this.exited) return false;
    const target = this.payloadPid();
    if (signal === 'SIGKILL' || signal === 9) {
      // The whole tree the command started: what envd's SIGKILL of a process group leaves behind.
      proc.signalAll(proc.descendants([this.hostPid]).reverse(), 'SIGKILL');
      return true;
    }
    if (target == null) { // nsenter has not forked yet: try again shortly
      setTimeout(() => this.kill(signal), 10).unref();
      return true;
    }
    try { process.kill(target, signal); return true; } catch { return false; }
  }
}

// Resolves to the in-sandbox pid once the process reported it; a process that never got that far
// (nsenter failed, the sandbox died) keeps its wrapper's host pid so envd still has a key for it.
function readPid(child, handle) {
  return new Promise((resolve) => {
    const fd = child.stdio[4];
    let buf = '';
    const done = (pid) => {
      if (handle.pid !== null) return;
      handle.pid = pid;
      resolve(pid);
    };
    if (!fd) { done(child.pid); return; }
    fd.setEncoding('utf8');
    fd.on('data', (d) => {
      buf += d;
      const m = /^(\d+)\n/.exec(buf);
      if (m) { done(Number(m[1])); fd.destroy(); }
    });
    fd.on('error', () => {});
    fd.on('close', () => done(child.pid));
    child.on('error', () => done(child.pid));
  });
}

module.exports = { ChildHandle };
