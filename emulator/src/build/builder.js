'use strict';
// Runs a template build (POST /v2/templates/{id}/builds/{bid}) the way E2B's builder does, in a
// fresh build sandbox: base (the host's userland for e2bdev/base, or a template's files), then
// each step — COPY (the uploaded tar), RUN, ENV, WORKDIR, USER — then the start command and the
// ready check; the sandbox's files become the build's layer. Log entries carry E2B's `step`
// field: "base", "1"…"N", "finalize".
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { runShell, startShell, waitReady } = require('./run');
const { ProcessRecord } = require('../envd/process-record');
const log = require('../log');

// Images the emulator has: the host's userland is what e2bdev/base is for every sandbox here.
const IMAGES = /^(docker\.io\/)?e2bdev\/base(:[A-Za-z0-9._-]+)?$/;
const READY_TIMEOUT_MS = Number(process.env.E2B_EMULATOR_BUILD_READY_MS) || 10 * 60 * 1000; // E2B: 10 min
const READY_INTERVAL_MS = 500; // E2B: every 2 s; sooner here, builds on loopback are quick
const DEFAULT_READY = 'sleep 20'; // E2B's default when a start command has none

class StepError extends Error {
  constructor(step, message) { super(message); this.step = step; }
}

// A value as the shell expands it ("$HOME/bin" -> "/home/user/bin"), E2B's ENV semantics.
async function expand(sbx, value, st) {
  const quoted = value.replace(/[\\"`]/g, (c) => '\\' + c);
  const r = await runShell(sbx, `printf '%s' "${quoted}"`, { user: 'root', cwd: '/', envs: st.envs });
  if (r.code !== 0) throw new Error(`could not expand '${value}': ${r.output.trim()}`);
  return r.output;
}

// E2B's log line of a layer: "[CACHED ][<prefix>] <text> [<hash>]".
function layerInfo(cached, prefix, text, hash) {
  return `${cached ? 'CACHED ' : ''}[${prefix}] ${text} [${hash}]`;
}

function hashKeys(...parts) {
  return crypto.createHash('sha256').update(parts.join('\0')).digest('hex');
}

function sh(s) { return `'${String(s).replace(/'/g, `'\\''`)}'`; }

function resolveIn(workdir, p) {
  return p.startsWith('/') ? path.posix.normalize(p) : path.posix.join(workdir, p);
}

// COPY [src, dest, user?, mode?] from the tar the files link stored for filesHash.
async function copyStep(ctx, sbx, step, st, name, emit) {
  const [src, rawDest, owner, mode] = step.args;
  if (!src || !rawDest) throw new StepError(name, 'COPY needs a source and a destination');
  if (!step.filesHash || !ctx.files.has(step.filesHash)) {
    throw new StepError(name, `the files of COPY ${src} were not uploaded (hash ${step.filesHash || 'missing'})`);
  }
  const tarIn = `/tmp/.e2b-copy-${crypto.randomUUID()}.tar`;
  fs.copyFileSync(ctx.files.path(step.filesHash), sbx.hostPath(tarIn, { write: true }));
  const dest = resolveIn(st.workdir, rawDest) + (rawDest.endsWith('/') ? '/' : '');
  const user = owner || st.user;
  // Docker semantics: a directory's contents go into dest; one file to dest (into it when dest
  // ends with / or is a directory); several matches into dest as a directory.
  const script = [
    'set -e', 'shopt -s nullglob dotglob globstar',
    `S=$(mktemp -d); tar -xf ${sh(tarIn)} -C "$S" --no-same-owner; rm -f ${sh(tarIn)}; cd "$S"`,
    `SRC=${sh(src.replace(/^\.\//, ''))}; DEST=${sh(dest)}; OWNER=${sh(`${user}:${user}`)}; MODE=${sh(mode || '')}`,
    'm=( $SRC ); [ ${#m[@]} -gt 0 ] || { echo "COPY: no files match $SRC" >&2; exit 1; }',
    'put() { chown -R "$OWNER" "$1"; [ -z "$MODE" ] || chmod -R "$MODE" "$1"; }',
    'if [ ${#m[@]} -eq 1 ] && [ -d "${m[0]}" ]; then mkdir -p "$DEST"; for f in "${m[0]}"/*; do cp -a "$f" "$DEST/"; put "$DEST/$(basename "$f")"; done',
    'elif [ ${#m[@]} -eq 1 ] && [[ "$DEST" != */ ]] && [ ! -d "$DEST" ]; then mkdir -p "$(dirname "$DEST")"; cp -a "${m[0]}" "$DEST"; put "$DEST"',
    'else mkdir -p "$DEST"; for f in "${m[@]}"; do cp -a "$f" "$DEST/"; put "$DEST/$(basename "$f")"; done; fi',
    'rm -rf "$S"',
  ].join('\n');
  const r = await runShell(sbx, script, { user: 'root', cwd: '/', envs: st.envs, onLine: (s, l) => emit(name, s === 'stderr' ? 'error' : 'info', l) });
  if (r.code !== 0) throw new StepError(name, `COPY ${src} ${rawDest} failed: ${lastLine(r.output)}`);
}

function lastLine(out) {
  const lines = out.trim().split('\n');
  return lines[lines.length - 1] || 'no output';
}

async function runStep(ctx, sbx, step, st, name, emit) {
  const type = String(step.type || '').toUpperCase();
  const args = Array.isArray(step.args) ? step.args.map(String) : [];
  switch (type) {
    case 'COPY': case 'ADD':
      return copyStep(ctx, sbx, { ...step, args }, st, name, emit);
    case 'RUN': {
      const user = args[1] || st.user;
      if (!sbx.users[user]) throw new StepError(name, `RUN as unknown user '${user}'`);
      const sys = systemInstall(args[0] || '');
      if (sys) throw new StepError(name, `the emulator cannot run '${sys}': its sandboxes have the host's /usr and /etc read-only, so system packages cannot be installed (use pip install --user, npm install without -g, or files under /home; see emulator/README.md)`);
      const r = await runShell(sbx, args[0] || '', {
        user, cwd: st.workdir, envs: st.envs,
        onLine: (s, l) => emit(name, s === 'stderr' ? 'error' : 'info', `[${s}]: ${l}`),
      });
      if (r.code !== 0) {
        const hint = readOnlyHint(r.output);
        throw new StepError(name, `failed to run command '${args[0]}': exit status ${r.code}${hint}`);
      }
      return;
    }
    case 'ENV': case 'ARG':
      if (args.length % 2 !== 0) throw new StepError(name, `${type} needs key/value pairs`);
      for (let i = 0; i < args.length; i += 2) {
        try { st.envs[args[i]] = await expand(sbx, args[i + 1], st); } catch (e) { throw new StepError(name, e.message); }
      }
      return;
    case 'WORKDIR': {
      const dir = resolveIn(st.workdir, args[0] || '/');
      const r = await runShell(sbx, `mkdir -p ${sh(dir)} && chown ${sh(`${st.user}:${st.user}`)} ${sh(dir)}`, { user: 'root', cwd: '/', envs: st.envs });
      if (r.code !== 0) throw new StepError(name, `WORKDIR ${dir} failed: ${lastLine(r.output)}`);
      st.workdir = dir;
      return;
    }
    case 'USER': {
      const user = args[0];
      if (!user) throw new StepError(name, 'USER needs a name');
      try { if (!sbx.users[user]) sbx.addUser(user); } catch (e) { throw new StepError(name, e.message); }
      st.user = user;
      return;
    }
    default:
      throw new StepError(name, `unsupported step type '${step.type}'`);
  }
}

// System package installs (the SDK's aptInstall, pipInstall as root, npmInstall -g): refused
// before they run, since they cannot succeed on a read-only /usr and would only reach out to
// package registries. -> the offending part, or null.
function systemInstall(cmd) {
  const m = /\bapt(?:-get)?\s+(?:-\S+\s+)*(?:update|install|upgrade|dist-upgrade)\b[^&;|]*/.exec(cmd) ||
    /\bpip3?\s+install\b(?![^&;|]*--user)[^&;|]*/.exec(cmd) ||
    /\bpython3?\s+-m\s+pip\s+install\b(?![^&;|]*--user)[^&;|]*/.exec(cmd) ||
    /\bnpm\s+(?:install|i|add)\b[^&;|]*\s(?:-g|--global)\b[^&;|]*/.exec(cmd);
  return m ? m[0].trim() : null;
}

// The emulator's sandboxes see the host's /usr and /etc read-only: say so when a step failed
// on that (apt-get install, pip into the system, npm -g).
function readOnlyHint(out) {
  if (/Read-only file system|Permission denied.*\/(usr|etc|var\/lib\/(apt|dpkg))|Could not open lock file \/var\/lib\/dpkg|are you root/i.test(out)) {
    return ' (the emulator\'s sandboxes have the host\'s /usr and /etc read-only: system packages cannot be installed; use pip --user, npm without -g, or files under /home — see emulator/README.md)';
  }
  return '';
}

// ctx: { templates, files, buildRegistry, stateDir }; t: the template; b: its build record;
// body: the v2 build start body (validated).
async function runBuild(ctx, t, b, body) {
  const started = Date.now();
  const emit = (step, level, message) => {
    b.logEntries.push({ timestamp: new Date().toISOString(), level, message, step });
    b.updatedAt = new Date().toISOString();
  };
  b.status = 'building';
  const steps = body.steps || [];
  const N = steps.length;
  let sbx = null;
  try {
    // base
    let parent = null;
    let key;
    if (body.fromTemplate) {
      const found = ctx.templates.runnable(body.fromTemplate);
      if (!found) throw new StepError('base', `template '${body.fromTemplate}' not found or not ready`);
      parent = found.run;
      key = hashKeys('template', parent.buildID);
      emit('base', 'info', layerInfo(false, 'base', `FROM TEMPLATE ${body.fromTemplate}`, key));
    } else {
      const image = body.fromImage || 'e2bdev/base';
      if (body.fromImageRegistry) throw new StepError('base', `the emulator cannot pull '${image}' from a private registry: it has no image registry (only e2bdev/base, the host's userland)`);
      if (!IMAGES.test(image)) throw new StepError('base', `the emulator cannot provide image '${image}': it has no image registry, only e2bdev/base (the host's userland)`);
      key = hashKeys('image', image);
      emit('base', 'info', layerInfo(false, 'base', `FROM ${image}`, key));
    }
    if (!ctx.isolated) throw new StepError('base', 'template builds need the bwrap isolation (root + bubblewrap); this emulator runs sandboxes as plain processes');
    let st = {
      user: (parent && parent.user) || 'user',
      workdir: (parent && parent.workdir) || '/home/user',
      envs: { ...((parent && parent.envVars) || {}) },
    };
    // Each step's result is cached under the hash of everything before it (E2B's layer cache):
    // a hit skips the step ("CACHED"); the first miss, a step's force or the build's force ends
    // the cached prefix, and the build sandbox then starts from the last hit's files.
    let from = parent && parent.layer;
    let caching = !body.force;
    const boot = async () => {
      sbx = await ctx.buildRegistry.create({
        templateID: t.templateID, alias: t.alias, timeout: 3600, envVars: { ...((parent && parent.envVars) || {}) },
        layer: from, user: parent && parent.user, workdir: parent && parent.workdir,
        start: parent && parent.start, buildID: b.buildID,
      });
    };
    for (let i = 0; i < N; i++) {
      const step = steps[i];
      const name = String(i + 1);
      const text = `${String(step.type).toUpperCase()} ${(step.args || []).join(' ')}`.trimEnd();
      key = hashKeys(key, JSON.stringify([String(step.type).toUpperCase(), step.args || [], step.filesHash || null]));
      const hit = caching && !step.force ? ctx.buildCache.get(key) : null;
      if (hit) {
        emit(name, 'info', layerInfo(true, `builder ${i + 1}/${N}`, text, key));
        from = hit.layer;
        st = hit.state;
        continue;
      }
      caching = false;
      emit(name, 'info', layerInfo(false, `builder ${i + 1}/${N}`, text, key));
      if (!sbx) await boot();
      await runStep(ctx, sbx, step, st, name, emit);
      await ctx.buildCache.put(key, ctx.buildRegistry, sbx, st);
    }
    if (!sbx) await boot();
    // finalize: start command, then the ready check
    emit('finalize', 'info', layerInfo(false, 'finalize', 'Finalizing template build', hashKeys(key, body.startCmd || '', body.readyCmd || '')));
    const startCmd = body.startCmd || '';
    const readyCmd = body.readyCmd || (startCmd ? DEFAULT_READY : '');
    if (startCmd) {
      const child = startShell(sbx, startCmd, { user: st.user, cwd: st.workdir, envs: st.envs });
      child.on('exit', (code) => { if (sbx.state === 'running') emit('finalize', 'info', `start command exited with ${code}`); });
    }
    if (readyCmd) {
      emit('finalize', 'info', `Waiting for template to be ready: ${readyCmd}`);
      try {
        await waitReady(sbx, readyCmd, { user: st.user, cwd: st.workdir, envs: st.envs, intervalMs: READY_INTERVAL_MS, timeoutMs: READY_TIMEOUT_MS });
      } catch (e) { throw new StepError('finalize', e.message); }
      emit('finalize', 'info', 'Template is ready');
    }
    const layer = path.join(ctx.stateDir, 'layers', crypto.randomUUID());
    await ctx.buildRegistry.checkpoint(sbx, layer);
    Object.assign(b, {
      layer, envVars: st.envs, user: st.user, workdir: st.workdir, startCmd, readyCmd,
      start: templateStart(parent && parent.start, { startCmd, readyCmd, user: st.user, workdir: st.workdir }),
      status: 'ready', finishedAt: new Date().toISOString(),
    });
    for (const tag of b.tags) { t.tagMap[tag] = b.buildID; t.tagTimes[tag] = b.finishedAt; }
    t.buildCount++;
    t.updatedAt = b.finishedAt;
    emit('finalize', 'info', `Build finished, took ${((Date.now() - started) / 1000).toFixed(1)}s`);
  } catch (e) {
    const step = e instanceof StepError ? e.step : 'finalize';
    if (!(e instanceof StepError)) log.error(`build ${b.buildID}: ${e.stack || e}`);
    emit(step, 'error', `Build failed: ${e.message}`);
    b.status = 'error';
    b.finishedAt = new Date().toISOString();
    b.reason = { message: e.message, step, logEntries: b.logEntries.filter((x) => x.level === 'error').slice(-20) };
  } finally {
    if (sbx) await ctx.buildRegistry.kill(sbx.id).catch(() => {});
  }
}

// What a sandbox created from the build runs at start: the parent template's own start (if
// any), then the start command in the background and the ready check (E2B restores the
// snapshotted processes instead; here they are started again). The start command is an envd
// process like any other (commands.list shows it, as it does on E2B).
function templateStart(parentStart, { startCmd, readyCmd, user, workdir }) {
  if (!startCmd && !parentStart) return undefined;
  return async (sbx) => {
    if (parentStart) await parentStart(sbx);
    if (!startCmd) return;
    const args = ['-l', '-c', startCmd];
    const child = sbx.spawn({ cmd: '/bin/bash', args, user, cwd: workdir, envs: {} });
    await child.ready;
    sbx.processes.set(child.pid, new ProcessRecord(sbx, { child, config: { cmd: '/bin/bash', args, envs: {}, cwd: workdir }, isPty: false, stdin: false }));
    if (readyCmd) await waitReady(sbx, readyCmd, { user, cwd: workdir, envs: {}, intervalMs: 200, timeoutMs: 60000 });
  };
}

module.exports = { runBuild, IMAGES, systemInstall };
