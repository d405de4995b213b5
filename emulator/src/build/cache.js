'use strict';
// The build layer cache: the files and state (user, workdir, envs) after each build step, keyed
// by the hash of the base and every step up to it. Bounded: the oldest entries go first.
const fs = require('fs');
const path = require('path');

const MAX_ENTRIES = 200;

class BuildCache {
  constructor(dir) {
    this.dir = dir;
    this.entries = new Map(); // key -> { layer, state }, oldest first
  }

  get(key) {
    const e = this.entries.get(key);
    return e ? { layer: e.layer, state: JSON.parse(JSON.stringify(e.state)) } : null;
  }

  // Copies the build sandbox's files of now (registry.checkpoint) as the entry for key.
  async put(key, registry, sbx, state) {
    if (this.entries.has(key)) return;
    const layer = path.join(this.dir, key);
    fs.rmSync(layer, { recursive: true, force: true });
    await sbx.checkpoint(layer);
    this.entries.set(key, { layer, state: JSON.parse(JSON.stringify(state)) });
    while (this.entries.size > MAX_ENTRIES) {
      const [oldest, e] = this.entries.entries().next().value;
      this.entries.delete(oldest);
      fs.rmSync(e.layer, { recursive: true, force: true });
    }
  }
}

module.exports = { BuildCache };
