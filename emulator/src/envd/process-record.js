'use strict';
// One process started through envd: fans its output out to the streams attached right now
// (no history is kept, as in envd; only what came before the first stream, Start's own, is held
// for it), produces exactly one `end` after the pipes closed and the process was reaped, and
// stays findable by Connect for 30 s after that.
const { endEvent } = require('./exit-status');

const PIPE_CHUNK = 32 * 1024;
const PTY_CHUNK = 16 * 1024;
const RETAIN_MS = 30 * 1000;
const MAX_QUEUED = 256; // messages per slow client before output is paused (≤ 8 MiB)

class ProcessRecord {
  constructor(sbx, { child, config, tag, isPty, stdin }) {
    this.sbx = sbx;
    this.child = child;
    this.pid = child.pid; // null until the sandbox reported it: spawnRecord sets it
    this.config = config; // the ProcessConfig exactly as requested (List shows it)
    this.tag = tag;
    this.isPty = isPty;
    this.stdinOpen = Boolean(stdin && child.stdin);
    this.end = null; // the EndEvent once finished
    this.subscribers = new Set(); // pumps receiving ProcessEvent init objects
    this.early = []; // [kind, buf, size] that came before the first attach; null after it
    this.lifetimeTimer = null;

    let openPipes = 0;
    let exit = null;
    const finish = () => {
      if (openPipes > 0 || !exit || this.end) return;
      clearTimeout(this.lifetimeTimer);
      this.end = endEvent(exit.code, exit.signal);
      for (const s of this.subscribers) { s.push({ case: 'end', value: this.end }); s.end(); }
      this.subscribers.clear();
      const t = setTimeout(() => { if (sbx.processes.get(this.pid) === this) sbx.processes.delete(this.pid); }, RETAIN_MS);
      if (t.unref) t.unref();
    };
    this.pipes = [];
    const pipe = (stream, kind, size) => {
      if (!stream) return;
      this.pipes.push(stream);
      openPipes++;
      stream.on('data', (buf) => this.broadcast(kind, buf, size));
      stream.on('error', () => {}); // EIO when a PTY closes: treated as EOF
      stream.once('close', () => { openPipes--; finish(); });
    };
    if (isPty) {
      pipe(child.stdout, 'pty', PTY_CHUNK);
      pipe(child.stderr, 'pty', PTY_CHUNK);
    } else {
      pipe(child.stdout, 'stdout', PIPE_CHUNK);
      pipe(child.stderr, 'stderr', PIPE_CHUNK);
    }
    if (child.stdin) child.stdin.on('error', () => { this.stdinOpen = false; });
    if (child.exitStatus) exit = child.exitStatus; // exited while envd waited for its pid
    else child.on('exit', (code, signal) => { exit = { code, signal }; finish(); });
  }

  get running() { return this.end === null; }

  broadcast(kind, buf, size) {
    if (this.early) { // Start's stream is not attached yet: hold it, pausing past the cap
      this.early.push([kind, buf, size]);
      if (this.early.length >= MAX_QUEUED && !this.paused) { this.paused = true; for (const p of this.pipes) p.pause(); }
      return;
    }
    if (!this.subscribers.size) return; // nobody attached: output is discarded, like envd
    for (let off = 0; off < buf.length; off += size) {
      const value = { case: 'data', value: { output: { case: kind, value: buf.subarray(off, off + size) } } };
      for (const s of this.subscribers) s.push(value);
    }
    // A client that falls behind pauses the process's output, like envd's blocking channel.
    for (const s of this.subscribers) {
      if (s.pending < MAX_QUEUED || this.paused) continue;
      this.paused = true;
      for (const p of this.pipes) p.pause();
      s.whenEmpty(() => { this.paused = false; for (const p of this.pipes) p.resume(); });
    }
  }

  // Attach a stream: it gets start{pid} first, then live events, or start+end if already done.
  // The first stream also gets the output held since the spawn.
  attach(pump) {
    pump.push({ case: 'start', value: { pid: this.pid } });
    const early = this.early;
    if (early) {
      this.early = null;
      this.subscribers.add(pump);
      for (const [kind, buf, size] of early) this.broadcast(kind, buf, size);
      this.subscribers.delete(pump);
      if (this.paused) {
        const resume = () => { this.paused = false; for (const p of this.pipes) p.resume(); };
        if (pump.pending < MAX_QUEUED) resume(); else pump.whenEmpty(resume);
      }
    }
    if (this.end) { pump.push({ case: 'end', value: this.end }); pump.end(); return () => {}; }
    this.subscribers.add(pump);
    return () => {
      this.subscribers.delete(pump);
      pump.end(); // releases output paused for this client
    };
  }

  // Connect-Timeout-Ms on Start is the process lifetime: SIGKILL when it passes.
  limitLifetime(ms) {
    this.lifetimeTimer = setTimeout(() => { if (this.running) this.child.kill('SIGKILL'); }, ms);
    if (this.lifetimeTimer.unref) this.lifetimeTimer.unref();
  }
}

module.exports = { ProcessRecord };
