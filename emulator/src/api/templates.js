'use strict';
// The templates this emulator offers. Every sandbox is the host's userland, so there is one.
const ENVD_VERSION = '0.6.13';
const CREATED = '2025-01-01T00:00:00.000Z';

const TEMPLATES = [
  { templateID: 'rki5dems9wqfm4r03t7g', alias: 'base', buildID: '00000000-0000-4000-8000-000000000001' },
  require('../../templates/code-interpreter').template, // built-in, with a start(sbx) hook
];

// "base", "base:default", "team/base", the id… -> template or null.
function resolveTemplate(ref) {
  if (typeof ref !== 'string' || ref === '') return null;
  let name = ref;
  const colon = name.lastIndexOf(':');
  if (colon > 0) name = name.slice(0, colon);
  const slash = name.lastIndexOf('/');
  if (slash >= 0) name = name.slice(slash + 1);
  return TEMPLATES.find((t) => t.templateID === name || t.alias === name) || null;
}

function describe(t) {
  return {
    templateID: t.templateID,
    buildID: t.buildID,
    cpuCount: 2,
    memoryMB: 512,
    diskSizeMB: 10240,
    public: true,
    aliases: [t.alias],
    names: [t.alias],
    createdAt: CREATED,
    updatedAt: CREATED,
    createdBy: null,
    lastSpawnedAt: null,
    spawnCount: 0,
    buildCount: 1,
    envdVersion: ENVD_VERSION,
    buildStatus: 'ready',
  };
}

module.exports = { TEMPLATES, resolveTemplate, describe, ENVD_VERSION };
