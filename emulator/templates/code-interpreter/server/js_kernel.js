'use strict';
// The javascript/typescript kernel of one context: cells run as scripts in one global context
// (state persists between cells, the last expression's value is the result, top-level await
// works as in Node's REPL), driven by kernels.py with one JSON request per stdin line. Control lines go to
// stdout prefixed with "\x1eE2BJS "; what the cell prints goes there as stream messages.
const path = require('path');
const util = require('util');
const vm = require('vm');
const { createRequire } = require('module');
const readline = require('readline');

const TYPESCRIPT = process.argv[2] === '--ts';
const PREFIX = '\x1eE2BJS ';
const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);
let current = null; // id of the cell being evaluated

function send(msg) { realOut(PREFIX + JSON.stringify(msg) + '\n'); }

function capture(name, real) {
  return function write(chunk, encoding, cb) {
    if (typeof encoding === 'function') { cb = encoding; encoding = undefined; }
    if (current === null) return real(chunk, encoding, cb);
    const text = Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk);
    send({ id: current, type: 'stream', name, text });
    if (cb) process.nextTick(cb);
    return true;
  };
}
process.stdout.write = capture('stdout', realOut);
process.stderr.write = capture('stderr', realErr);

// The REPL's own top-level-await rewrite (Node's internal module, reachable with
// --expose-internals, which kernels.py passes): `const x = await f()` becomes a hoisted
// declaration plus an async body that returns the last expression's value.
let processTopLevelAwait = null;
try { ({ processTopLevelAwait } = require('internal/repl/await')); } catch { /* older node */ }

globalThis.require = createRequire(path.join(process.cwd(), '<cell>'));

function compile(code, filename) {
  // Like the REPL: `{ a: 1 }` alone is an object, not a block.
  if (/^\s*\{/.test(code) && /\}\s*;?\s*$/.test(code)) {
    try { return { script: new vm.Script(`(${code.replace(/;\s*$/, '')})`, { filename }), wrapped: false }; } catch { /* a block */ }
  }
  if (processTopLevelAwait && /\bawait\b/.test(code)) {
    let wrapped = null;
    try { wrapped = processTopLevelAwait(code); } catch { wrapped = null; }
    if (wrapped !== null) return { script: new vm.Script(wrapped, { filename }), wrapped: true };
  }
  return { script: new vm.Script(code, { filename }), wrapped: false };
}

let interruptCurrent = null; // rejects the cell that awaits when SIGINT comes
process.on('SIGINT', () => { if (interruptCurrent) interruptCurrent(); });

async function evaluate(code, filename) {
  const { script, wrapped } = compile(code, filename);
  const value = script.runInThisContext({ breakOnSigint: true, displayErrors: false });
  if (!wrapped) return value;
  const interrupted = new Promise((_, reject) => {
    interruptCurrent = () => reject(Object.assign(new Error('Script execution was interrupted by `SIGINT`'), { code: 'ERR_SCRIPT_EXECUTION_INTERRUPTED' }));
  });
  try {
    const out = await Promise.race([value, interrupted]);
    return out && typeof out === 'object' && 'value' in out ? out.value : undefined;
  } finally {
    interruptCurrent = null;
  }
}

// ESM imports become require() calls (Babel's commonjs transform with node interop does the
// same for E2B's kernel): `import x from 'm'`, `import * as x from 'm'`, `import {a, b as c}
// from 'm'`, `import x, {a} from 'm'`, `import 'm'`.
function rewriteImports(code) {
  const names = (list) => list.split(',').map((s) => s.trim()).filter(Boolean)
    .map((s) => s.replace(/^(\S+)\s+as\s+(\S+)$/, '$1: $2')).join(', ');
  return code.replace(/^([ \t]*)import\s+(?:(type)\s+)?([^'"`;]*?)\s*from\s*(['"][^'"]+['"])\s*;?/gm, (all, ind, type, what, mod) => {
    if (type) return ind;
    const parts = [];
    let rest = what.trim();
    const star = /^\*\s+as\s+([\w$]+)$/.exec(rest);
    if (star) return `${ind}var ${star[1]} = require(${mod});`;
    const def = /^([\w$]+)\s*(?:,\s*(.*))?$/.exec(rest);
    if (def) { parts.push(`var ${def[1]} = require(${mod});`); rest = (def[2] || '').trim(); }
    const ns = /^\*\s+as\s+([\w$]+)$/.exec(rest);
    if (ns) parts.push(`var ${ns[1]} = require(${mod});`);
    const named = /^\{([^}]*)\}$/.exec(rest);
    if (named) parts.push(`var { ${names(named[1])} } = require(${mod});`);
    return ind + parts.join(' ');
  }).replace(/^([ \t]*)import\s*(['"][^'"]+['"])\s*;?/gm, '$1require($2);');
}

let ts = null;
function stripTypes(code) {
  if (!TYPESCRIPT) return code;
  if (ts === null) {
    try { ts = require('typescript'); } catch { ts = false; } // node_modules next to this file
  }
  if (!ts) return code;
  const out = ts.transpileModule(code, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
    reportDiagnostics: false,
  });
  return out.outputText.replace(/^export \{\};\s*$/m, '');
}

function errorMessage(err) {
  if (err instanceof Error) {
    // The kernel's own frames (vm, this file) say nothing about the cell.
    const stack = String(err.stack || err).split('\n')
      .filter((l) => !/^\s+at .*(node:|js_kernel\.js|sigintHandlersWrap)/.test(l)).join('\n');
    return { type: 'error', ename: err.name || 'Error', evalue: err.message || '', traceback: [stack] };
  }
  return { type: 'error', ename: 'Error', evalue: util.inspect(err), traceback: [] };
}

async function run(id, code) {
  current = id;
  let value;
  let err = null;
  try {
    value = await evaluate(rewriteImports(stripTypes(code)), `cell-${id}.js`);
  } catch (e) {
    err = e;
  }
  // Output written by the cell's last statements belongs to the same cell.
  await new Promise((r) => setImmediate(r));
  current = null;
  if (err) return send({ id, ...errorMessage(err) });
  if (value === undefined) return send({ id, type: 'done' });
  let text;
  try { text = util.inspect(value); } catch { text = String(value); }
  return send({ id, type: 'result', data: { 'text/plain': text } });
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  let req;
  try { req = JSON.parse(line); } catch { return; }
  if (req && typeof req.id === 'string' && typeof req.code === 'string') run(req.id, req.code);
});
rl.on('close', () => process.exit(0));
