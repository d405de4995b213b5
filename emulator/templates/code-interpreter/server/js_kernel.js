'use strict';
// The javascript/typescript kernel of one context: Node's own REPL evaluator over one global
// context (state persists between cells, the last expression's value is the result, top-level
// await works), driven by kernels.py with one JSON request per stdin line. Control lines go to
// stdout prefixed with "\x1eE2BJS "; what the cell prints goes there as stream messages.
const repl = require('repl');
const util = require('util');
const readline = require('readline');
const { PassThrough } = require('stream');

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
process.on('SIGINT', () => {}); // an interrupt between cells must not end the kernel

const server = repl.start({
  input: new PassThrough(),
  output: new PassThrough(),
  prompt: '',
  terminal: false,
  useGlobal: true,
  ignoreUndefined: true,
  breakEvalOnSigint: true,
});

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
    try { ts = require(process.env.E2B_CI_TYPESCRIPT || 'typescript'); } catch { ts = false; }
  }
  if (!ts) return code;
  const out = ts.transpileModule(code, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, removeComments: false },
    reportDiagnostics: false,
  });
  return out.outputText.replace(/^export \{\};\s*$/m, '');
}

function errorMessage(err) {
  if (err instanceof repl.Recoverable) err = err.err;
  if (err instanceof Error) {
    return { type: 'error', ename: err.name || 'Error', evalue: err.message || '', traceback: [err.stack || String(err)] };
  }
  return { type: 'error', ename: 'Error', evalue: util.inspect(err), traceback: [] };
}

function run(id, code) {
  current = id;
  let source;
  try {
    source = rewriteImports(stripTypes(code));
  } catch (e) {
    current = null;
    return send({ id, ...errorMessage(e) });
  }
  server.eval(source, server.context, `cell-${id}`, (err, value) => {
    // Give output written by the cell's last synchronous statements the same cell.
    setImmediate(() => {
      current = null;
      if (err) return send({ id, ...errorMessage(err) });
      if (value === undefined) return send({ id, type: 'done' });
      let text;
      try { text = util.inspect(value); } catch (e) { text = String(value); }
      return send({ id, type: 'result', data: { 'text/plain': text } });
    });
  });
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  let req;
  try { req = JSON.parse(line); } catch { return; }
  if (req && typeof req.id === 'string' && typeof req.code === 'string') run(req.id, req.code);
});
rl.on('close', () => process.exit(0));
