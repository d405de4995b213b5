'use strict';
// The templates this emulator offers: the built-ins (the host's userland, and the code
// interpreter) plus the team's own — snapshots of sandboxes and built templates, each with a
// layer of files on disk that sandboxes created from it start with.
const crypto = require('crypto');
const fs = require('fs');
const { TEAM_SLUG } = require('../team');

const ENVD_VERSION = '0.6.13';
const CREATED = '2025-01-01T00:00:00.000Z';
const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

const BUILTIN = [
  { templateID: 'rki5dems9wqfm4r03t7g', alias: 'base', buildID: '00000000-0000-4000-8000-000000000001' },
  require('../../templates/code-interpreter').template, // built-in, with a start(sbx) hook
];

function newTemplateId() {
  let id = '';
  for (const b of crypto.randomBytes(20)) id += ID_CHARS[b % ID_CHARS.length];
  return id;
}

// "base", "base:default", "team/base" -> { name: "base", tag: "default"|null }
function splitRef(ref) {
  let name = ref;
  let tag = null;
  const colon = name.lastIndexOf(':');
  if (colon > 0 && !name.slice(colon).includes('/')) { tag = name.slice(colon + 1); name = name.slice(0, colon); }
  const slash = name.lastIndexOf('/');
  if (slash >= 0) name = name.slice(slash + 1);
  return { name, tag };
}

class TemplateStore {
  constructor() {
    const now = CREATED;
    this.templates = BUILTIN.map((t) => ({
      kind: 'builtin', public: true, names: [t.alias], tags: ['default'], envVars: {}, layer: null,
      createdAt: now, updatedAt: now, spawnCount: 0, lastSpawnedAt: null, buildCount: 1,
      cpuCount: 2, memoryMB: 512, buildStatus: 'ready', ...t,
    }));
  }

  // The team's template or built-in behind an id or name ("base", "base:default", "team/base",
  // a snapshot id…) -> template or null.
  resolve(ref) {
    if (typeof ref !== 'string' || ref === '') return null;
    const { name } = splitRef(ref);
    const t = this.templates.find((x) => x.templateID === name || x.alias === name) || null;
    // "<other team>/<alias>" is not ours, even when the alias is.
    const slash = ref.indexOf('/');
    if (t && slash >= 0 && t.kind !== 'builtin' && ref.slice(0, slash) !== TEAM_SLUG) return null;
    return t;
  }

  // What a sandbox created from `ref` starts with: { template, run } where run has templateID,
  // alias, buildID, layer, envVars, user, workdir, start — for a built template the build the
  // ref's tag (default "default") points at, which must be ready. null when there is none.
  runnable(ref) {
    const t = this.resolve(ref);
    if (!t) return null;
    if (t.kind !== 'build') return { template: t, run: t };
    const tag = splitRef(ref).tag || 'default';
    const b = t.builds.find((x) => x.buildID === t.tagMap[tag] && x.status === 'ready');
    return b ? { template: t, run: { ...b, templateID: t.templateID, alias: t.alias } } : null;
  }

  // fields: { kind, alias|null, layer, envVars, start, buildID, … } -> the new template.
  add(fields) {
    const now = new Date().toISOString();
    const t = {
      templateID: newTemplateId(), buildID: crypto.randomUUID(), public: false, tags: ['default'],
      envVars: {}, layer: null, createdAt: now, updatedAt: now, spawnCount: 0, lastSpawnedAt: null,
      buildCount: 0, cpuCount: 2, memoryMB: 512, buildStatus: 'ready', ...fields,
    };
    t.names = t.alias ? [t.alias] : [];
    this.templates.push(t);
    return t;
  }

  remove(t) {
    this.templates = this.templates.filter((x) => x !== t);
    for (const l of [t.layer, ...(t.builds || []).map((b) => b.layer)]) {
      if (l) fs.rmSync(l, { recursive: true, force: true });
    }
  }

  list(kind) {
    return this.templates.filter((t) => !kind || t.kind === kind);
  }

  spawned(t) {
    t.spawnCount++;
    t.lastSpawnedAt = new Date().toISOString();
  }
}

// The names a template is listed under: "<team>/<alias>" for the team's own, the bare alias
// for the built-ins (public ones).
function namesOf(t) {
  if (!t.alias) return [];
  return t.kind === 'builtin' ? [t.alias] : [`${TEAM_SLUG}/${t.alias}`];
}

// A built template's build under its "default" tag (else its newest), or null.
function currentBuild(t) {
  if (t.kind !== 'build' || t.builds.length === 0) return null;
  return t.builds.find((b) => b.buildID === t.tagMap.default) || t.builds[t.builds.length - 1];
}

function describe(t) {
  const b = currentBuild(t);
  return {
    templateID: t.templateID,
    buildID: b ? b.buildID : t.buildID,
    cpuCount: t.cpuCount,
    memoryMB: t.memoryMB,
    diskSizeMB: 10240,
    public: t.public,
    aliases: t.alias ? [t.alias] : [],
    names: namesOf(t),
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    createdBy: null,
    lastSpawnedAt: t.lastSpawnedAt,
    spawnCount: t.spawnCount,
    buildCount: t.buildCount,
    envdVersion: ENVD_VERSION,
    buildStatus: b ? b.status : t.buildStatus,
  };
}

module.exports = { TemplateStore, describe, namesOf, splitRef, currentBuild, ENVD_VERSION };
