// require('e2b') in a fresh node (what a script pays before its first call), wall ms.
// require_ms: the require alone. ready_ms: until a first call could be made (the require plus the
// Sandbox class touched; node's require loads the whole SDK, so the two differ by little).
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const t0 = performance.now();
const e2b = require(path.join(__dirname, '..', '..', 'emulator', 'node_modules', 'e2b'));
const t1 = performance.now();
if (typeof e2b.Sandbox !== 'function' || typeof e2b.Sandbox.create !== 'function') {
  throw new Error("require('e2b') gave no Sandbox");
}
const t2 = performance.now();
process.stdout.write(`result require_ms ${(t1 - t0).toFixed(3)}\nresult ready_ms ${(t2 - t0).toFixed(3)}\n`);
