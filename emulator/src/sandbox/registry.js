'use strict';
// The sandbox store: create/get/list/kill/pause/resume and lifetimes (timeouts).
const crypto = require('crypto');
const path = require('path');
const { EventEmitter } = require('events');
const { Sandbox } = require('./sandbox');
const log = require('../log');

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

function newId() {
  const bytes = crypto.randomBytes(20);
  let id = 'i';
  for (const b of bytes) id += ID_CHARS[b % ID_CHARS.length];
  return id;
}

class Registry extends EventEmitter {
  constructor({ stateDir }) {
    super();
    this.stateDir = stateDir;
    this.sandboxes = new Map(); // id -> Sandbox (running or paused)
  }

  // spec: { templateID, alias, timeout (s), metadata, envVars, secure, autoPause, autoPauseMemory,
  //         autoResume, allowInternetAccess, network, start (async fn(sbx): the template's start
  //         command, awaited until the template is ready) }
  async create(spec) {
    const id = newId();
    const sbx = new Sandbox({
      id,
      dir: path.join(this.stateDir, 'sandboxes', id),
      envdAccessToken: spec.secure === true ? crypto.randomBytes(32).toString('hex') : null,
      envVars: spec.envVars,
    });
    const now = Date.now();
    sbx.meta = {
      templateID: spec.templateID,
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
    return sbx;
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

  async kill(id) {
    const sbx = this.get(id);
    if (!sbx) return false;
    this.sandboxes.delete(id);
    clearTimeout(sbx._timer);
    await sbx.kill();
    this.emit('killed', sbx);
    return true;
  }

  pause(sbx, { memory = true } = {}) {
    clearTimeout(sbx._timer);
    sbx.pause({ memory });
    sbx.meta.pausedWithMemory = memory;
  }

  // Resume a paused sandbox with a fresh lifetime of `timeout` seconds.
  resume(sbx, timeout) {
    sbx.resume();
    sbx.meta.endAt = Date.now() + timeout * 1000;
    this._arm(sbx);
  }

  // New end of life (ms since epoch) for a running sandbox.
  setEnd(sbx, endAt) {
    sbx.meta.endAt = endAt;
    this._arm(sbx);
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
      this.kill(sbx.id).catch((e) => log.error(`killing ${sbx.id}: ${e.message}`));
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
