'use strict';
// The sandbox store: create/get/list/kill/pause/resume/checkpoint and lifetimes (timeouts).
// Every lifecycle change is recorded in the event log (events.js) and in the running history
// the team metrics are computed from.
const crypto = require('crypto');
const path = require('path');
const { EventEmitter } = require('events');
const { Sandbox } = require('./sandbox');
const { EventLog } = require('./events');
const log = require('../log');

const KEEP_HISTORY = 10000; // running intervals kept for the team metrics

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

function newId() {
  const bytes = crypto.randomBytes(20);
  let id = 'i';
  for (const b of bytes) id += ID_CHARS[b % ID_CHARS.length];
  return id;
}

class Registry extends EventEmitter {
  constructor({ stateDir, events }) {
    super();
    this.stateDir = stateDir;
    this.sandboxes = new Map(); // id -> Sandbox (running or paused)
    this.events = events || new EventLog({ teamId: null });
    this.history = []; // { id, start, end|null } (ms): each interval a sandbox was running
  }

  // spec: { templateID, alias, timeout (s), metadata, envVars, secure, autoPause, autoPauseMemory,
  //         autoResume, allowInternetAccess, network, start (async fn(sbx): the template's start
  //         command, awaited until the template is ready), buildID, layer (host dir whose files
  //         become the sandbox's own: a snapshot or a built template), user, workdir }
  async create(spec) {
    const id = newId();
    const sbx = new Sandbox({
      id,
      dir: path.join(this.stateDir, 'sandboxes', id),
      envdAccessToken: spec.secure === true ? crypto.randomBytes(32).toString('hex') : null,
      envVars: spec.envVars,
      layer: spec.layer,
      user: spec.user,
      workdir: spec.workdir,
    });
    const now = Date.now();
    sbx.meta = {
      templateID: spec.templateID,
      buildID: spec.buildID || null,
      executionId: crypto.randomUUID(),
      executionStartedAt: now,
      alias: spec.alias,
      metadata: { ...(spec.metadata || {}) },
      startedAt: now,
      endAt: now + spec.timeout * 1000,
      createTimeout: spec.timeout,
      autoPause: !!spec.autoPause,
      autoPauseMemory: spec.autoPauseMemory !== false,
      autoResume: !!spec.autoResume,
      allowInternetAccess: spec.allowInternetAccess,
      network: spec.network || null,
      cpuCount: 2,
      memoryMB: 512,
      diskSizeMB: 10240,
    };
    sbx.metrics = [];
    try {
      await sbx.start();
      await sbx.setEgress(egressOf(sbx.meta));
      if (typeof spec.start === 'function') await spec.start(sbx);
    } catch (e) {
      await sbx.kill().catch(() => {});
      throw e;
    }
    this.sandboxes.set(id, sbx);
    this._arm(sbx);
    this._running(sbx, true);
    const md = sbx.meta.metadata;
    this.events.record('created', sbx, Object.keys(md).length ? { sandbox_metadata: { ...md } } : null);
    return sbx;
  }

  // Copies the running sandbox's files to host dir `dest` while its processes are frozen (files
  // of one moment); the sandbox then runs on with its id and lifetime unchanged.
  async checkpoint(sbx, dest) {
    await sbx.checkpoint(dest);
    this.events.record('checkpointed', sbx, null);
  }

  _running(sbx, on) {
    const now = Date.now();
    if (on) {
      sbx._interval = { id: sbx.id, start: now, end: null };
      this.history.push(sbx._interval);
      if (this.history.length > KEEP_HISTORY) this.history.shift();
    } else if (sbx._interval && sbx._interval.end === null) {
      sbx._interval.end = now;
    }
  }

  _execution(sbx) {
    const m = sbx.meta;
    return {
      started_at: new Date(m.executionStartedAt).toISOString(),
      vcpu_count: m.cpuCount,
      memory_mb: m.memoryMB,
      execution_time: Date.now() - m.executionStartedAt,
    };
  }

  // PUT /sandboxes/{id}/network: replaces the whole egress config (omitted fields are cleared).
  // cfg: { allowOut, denyOut, rules, egressProxy, allowInternetAccess }. Rejects with
  // network.EgressError (nothing changed) for malformed entries.
  async updateNetwork(sbx, cfg) {
    const meta = { allowInternetAccess: cfg.allowInternetAccess, network: { ...(sbx.meta.network || {}) } };
    for (const k of ['allowOut', 'denyOut', 'rules', 'egressProxy']) {
      if (cfg[k] === undefined) delete meta.network[k]; else meta.network[k] = cfg[k];
    }
    await sbx.setEgress(egressOf(meta));
    sbx.meta.allowInternetAccess = meta.allowInternetAccess;
    sbx.meta.network = meta.network;
    const n = meta.network;
    const isDomain = (s) => !/^[0-9.:/a-fA-F]+$/.test(s);
    this.events.record('updated', sbx, {
      network_egress: {
        allowed_cidrs: (n.allowOut || []).filter((s) => !isDomain(s)),
        denied_cidrs: n.denyOut || [],
        allowed_domains: (n.allowOut || []).filter(isDomain),
      },
    });
  }

  get(id) {
    return (typeof id === 'string' && this.sandboxes.get(id)) || null;
  }

  list() {
    return [...this.sandboxes.values()];
  }

  // The running sandbox whose envd access token satisfies fn(token, sbx) (signed /files URLs that
  // carry no sandbox id), or null. Tokenless sandboxes are never returned.
  findBySignature(fn) {
    for (const sbx of this.sandboxes.values()) {
      if (sbx.state === 'running' && sbx.envdAccessToken && fn(sbx.envdAccessToken, sbx)) return sbx;
    }
    return null;
  }

  // reason: the event's kill_reason ('request', 'timeout', …).
  async kill(id, reason = 'request') {
    const sbx = this.get(id);
    if (!sbx) return false;
    this.sandboxes.delete(id);
    clearTimeout(sbx._timer);
    const wasRunning = sbx.state === 'running';
    await sbx.kill();
    if (wasRunning) this._running(sbx, false);
    this.events.record('killed', sbx, { execution: this._execution(sbx), kill_reason: reason });
    this.emit('killed', sbx);
    return true;
  }

  pause(sbx, { memory = true } = {}) {
    clearTimeout(sbx._timer);
    sbx.pause({ memory });
    sbx.meta.pausedWithMemory = memory;
    this._running(sbx, false);
    this.events.record('paused', sbx, { execution: this._execution(sbx) });
  }

  // Resume a paused sandbox with a fresh lifetime of `timeout` seconds (a new execution).
  resume(sbx, timeout) {
    sbx.resume();
    sbx.meta.endAt = Date.now() + timeout * 1000;
    sbx.meta.executionId = crypto.randomUUID();
    sbx.meta.executionStartedAt = Date.now();
    this._arm(sbx);
    this._running(sbx, true);
    this.events.record('resumed', sbx, null);
  }

  // New end of life (ms since epoch) for a running sandbox (timeout, refresh, connect: each one
  // an 'updated' event, as E2B's KeepAliveFor, even when the end did not move).
  setEnd(sbx, endAt) {
    sbx.meta.endAt = endAt;
    this._arm(sbx);
    this.events.record('updated', sbx, { set_timeout: new Date(endAt).toISOString().replace(/\.\d{3}Z$/, 'Z') });
  }

  _arm(sbx) {
    clearTimeout(sbx._timer);
    const ms = Math.max(0, sbx.meta.endAt - Date.now());
    // setTimeout's limit is ~24.8 days; lifetimes are capped at 24 h.
    sbx._timer = setTimeout(() => this._expire(sbx), ms);
    sbx._timer.unref();
  }

  _expire(sbx) {
    if (!this.sandboxes.has(sbx.id) || sbx.state !== 'running') return;
    if (sbx.meta.autoPause) {
      log.info(`sandbox ${sbx.id} timed out: pausing`);
      this.pause(sbx, { memory: sbx.meta.autoPauseMemory });
    } else {
      log.info(`sandbox ${sbx.id} timed out: killing`);
      this.kill(sbx.id, 'timeout').catch((e) => log.error(`killing ${sbx.id}: ${e.message}`));
    }
  }

  async killAll() {
    await Promise.all([...this.sandboxes.keys()].map((id) => this.kill(id)));
  }

  killAllSync() {
    for (const sbx of this.sandboxes.values()) sbx.killSync();
    this.sandboxes.clear();
  }
}

function egressOf(meta) {
  const n = meta.network || {};
  return { allowInternetAccess: meta.allowInternetAccess, allowOut: n.allowOut, denyOut: n.denyOut };
}

module.exports = { Registry, newId };
