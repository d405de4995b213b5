'use strict';
// Lifecycle events of sandboxes (the Argus API's SandboxEvent, version v2): one record per
// create, kill (with its reason), pause, resume, update and checkpoint. Subscribers (webhooks)
// get each new event through the 'event' emission.
const crypto = require('crypto');
const { EventEmitter } = require('events');

const TYPES = ['created', 'killed', 'paused', 'resumed', 'updated', 'checkpointed'].map((t) => `sandbox.lifecycle.${t}`);
const LABELS = { created: 'create', killed: 'kill', paused: 'pause', resumed: 'resume', updated: 'update', checkpointed: 'checkpoint' };
const KEEP = 10000; // newest events kept (E2B keeps 7 days)

class EventLog extends EventEmitter {
  constructor({ teamId }) {
    super();
    this.teamId = teamId;
    this.events = []; // oldest first
  }

  // kind: 'created' | 'killed' | … ; sbx: the sandbox (its meta names template, build, execution).
  record(kind, sbx, eventData = null) {
    const m = sbx.meta;
    const ev = {
      id: crypto.randomUUID(),
      version: 'v2',
      type: `sandbox.lifecycle.${kind}`,
      eventCategory: 'lifecycle',
      eventLabel: LABELS[kind],
      eventData,
      timestamp: new Date().toISOString(),
      sandboxId: sbx.id,
      sandboxExecutionId: m.executionId,
      sandboxTemplateId: m.templateID,
      sandboxBuildId: m.buildID,
      sandboxTeamId: this.teamId,
    };
    this.events.push(ev);
    if (this.events.length > KEEP) this.events.shift();
    this.emit('event', ev);
    return ev;
  }

  // f: { sandboxId?, types?: [type], offset, limit, orderAsc } -> [SandboxEvent]
  query(f) {
    let all = this.events.filter((e) => (!f.sandboxId || e.sandboxId === f.sandboxId) &&
      (!f.types || f.types.length === 0 || f.types.includes(e.type)));
    if (!f.orderAsc) all = all.slice().reverse();
    return all.slice(f.offset, f.offset + f.limit);
  }
}

module.exports = { EventLog, TYPES };
