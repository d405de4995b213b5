// require('e2b') in a fresh node (what a script pays before its first call), wall ms.
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const t0 = performance.now();
const e2b = require(path.join(__dirname, '..', '..', 'emulator', 'node_modules', 'e2b'));
const t1 = performance.now();
if (typeof e2b.Sandbox !== 'function') throw new Error("require('e2b') gave no Sandbox");
process.stdout.write(`result require_ms ${(t1 - t0).toFixed(3)}\n`);
