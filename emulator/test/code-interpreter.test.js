'use strict';
// The code-interpreter-v1 template, driven through the official @e2b/code-interpreter package
// (and raw HTTP on port 49999 where the package hides the wire): values, prints, errors,
// streaming, PNG, DataFrame, envs, contexts, bash, JS, timeouts, two sandboxes, a kill mid-run.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('http');
const { Sandbox } = require('@e2b/code-interpreter');
const { NotFoundError, TimeoutError, InvalidArgumentError, SandboxError } = require('e2b');
const { startEmulator, sdkOpts } = require('./helpers');

let emu;
const DEBUG = !!process.env.CI_TEST_DEBUG;
let sbx; // shared by the tests that only run code
before(async () => {
  emu = await startEmulator(DEBUG ? { env: { E2B_EMULATOR_LOG: 'debug' } } : {});
  sbx = await Sandbox.create({ ...sdkOpts(emu, { requestTimeoutMs: 30000, timeoutMs: 120000 }), envs: { FROM_SANDBOX: 'sandbox-value' } });
});
after(async () => { if (DEBUG) console.error(emu.stderr()); await emu.stop(); });

// Raw request to the sandbox's port 49999 through the emulator's router.
async function raw(s, path, { method = 'GET', body } = {}) {
  return fetch(emu.sandboxUrl + path, {
    method,
    headers: { 'E2b-Sandbox-Id': s.sandboxId, 'E2b-Sandbox-Port': '49999', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

test('values, prints, errors and the execution count come back as the SDK expects', { timeout: 30000 }, async () => {
  const value = await sbx.runCode('x = 40 + 2\nx');
  assert.equal(value.text, '42');
  assert.equal(value.results.length, 1);
  assert.equal(value.results[0].isMainResult, true);
  assert.deepEqual(value.results[0].formats(), []);
  assert.equal(value.error, undefined);

  const quoted = await sbx.runCode("'quoted'");
  assert.equal(quoted.text, 'quoted'); // the server strips one pair of quotes

  const printed = await sbx.runCode('import sys\nprint("out", x)\nprint("err", file=sys.stderr)');
  // IPython flushes print's pieces on a 0.2 s timer: how the text is cut into messages is
  // timing (a loaded machine sees 'out' and ' 42\n'), as on E2B; the text is not
  assert.equal(printed.logs.stdout.join(''), 'out 42\n');
  assert.equal(printed.logs.stderr.join(''), 'err\n');
  assert.equal(printed.results.length, 0);

  const failed = await sbx.runCode('undefined_name + 1');
  assert.equal(failed.error.name, 'NameError');
  assert.equal(failed.error.value, "name 'undefined_name' is not defined");
  assert.match(failed.error.traceback, /NameError/);
  assert.doesNotMatch(failed.error.traceback, /\x1b\[/); // NoColor, as E2B's profile has it

  const a = await sbx.runCode('1');
  const b = await sbx.runCode('2');
  assert.equal(b.executionCount, a.executionCount + 1);

  const list = await sbx.runCode('[1, 2, {"a": 3}]');
  assert.deepEqual(list.results[0].json, [1, 2, { a: 3 }]);
});

test('onStdout fires while the cell still runs', { timeout: 30000 }, async () => {
  const seen = [];
  const started = Date.now();
  const exec = await sbx.runCode('import time\nprint("first", flush=True)\ntime.sleep(1.5)\nprint("second")', {
    onStdout: (m) => seen.push({ line: m.line, at: Date.now() - started }),
  });
  const ended = Date.now() - started;
  assert.equal(seen.map((s) => s.line).join(''), 'first\nsecond\n'); // (cut as IPython flushed it)
  let text = '';
  const firstDone = seen.find((s) => (text += s.line).includes('first\n'));
  assert.ok(firstDone.at < ended - 1000, `first line at ${firstDone.at} ms, cell ended at ${ended} ms`);
  assert.equal(exec.logs.stdout.join(''), 'first\nsecond\n');
});

test('a matplotlib figure comes back as a PNG, a DataFrame as html, text and data', { timeout: 30000 }, async () => {
  const fig = await sbx.runCode('import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [4, 1, 9])\nplt.show()');
  assert.equal(fig.error, undefined);
  assert.equal(fig.results.length, 1);
  const png = fig.results[0];
  assert.equal(png.isMainResult, false);
  assert.match(png.text, /^<Figure size \d+x\d+ with 1 Axes>$/);
  assert.deepEqual(Buffer.from(png.png, 'base64').subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  assert.deepEqual(png.extra, {});
  assert.ok(png.formats().includes('png'));
  // e2b/chart: the figure as data.
  assert.equal(png.chart.type, 'line');
  assert.equal(png.chart.elements.length, 1);
  assert.deepEqual(png.chart.elements[0].points, [[1, 4], [2, 1], [3, 9]]);
  assert.equal(png.chart.x_scale, 'linear');

  const bars = await sbx.runCode('plt.figure()\nplt.bar(["a", "b"], [3, 5])\nplt.title("Counts")\nplt.ylabel("Count (n)")\nplt.show()');
  const chart = bars.results[0].chart;
  assert.equal(chart.type, 'bar');
  assert.equal(chart.title, 'Counts');
  assert.equal(chart.y_unit, 'n');
  assert.deepEqual(chart.elements.map((e) => [e.label, e.value]), [['a', 3], ['b', 5]]);

  const df = await sbx.runCode('import pandas as pd\npd.DataFrame({"a": [1, 2], "b": ["x", "y"]})');
  const r = df.results[0];
  assert.equal(r.isMainResult, true);
  assert.match(r.html, /<table/);
  assert.match(r.text, /a\s+b/);
  assert.deepEqual(r.data, { a: [1, 2], b: ['x', 'y'] });
});

test('per-call envs are set for the cell and reset after it; the sandbox envVars are visible', { timeout: 30000 }, async () => {
  const code = 'import os\nprint(os.environ.get("CALL_VAR"), os.environ.get("FROM_SANDBOX"))';
  const withEnv = await sbx.runCode(code, { envs: { CALL_VAR: 'call-value', FROM_SANDBOX: 'overridden' } });
  assert.equal(withEnv.logs.stdout.join(''), 'call-value overridden\n');
  const after = await sbx.runCode(code);
  assert.equal(after.logs.stdout.join(''), 'None sandbox-value\n');
  const cwd = await sbx.runCode('import os; os.getcwd()');
  assert.equal(cwd.text, '/home/user');
  const who = await sbx.runCode('import os; os.getuid()');
  assert.equal(who.text, '0'); // E2B's kernels run as root
});

test('an env value with quotes, a backslash and a newline arrives whole in python, bash and JS', { timeout: 30000 }, async () => {
  const value = "it's \"quoted\" \\ and\nsecond line";
  const py = await sbx.runCode('import os; print(os.environ["ODD"], end="")', { envs: { ODD: value } });
  assert.equal(py.logs.stdout.join(''), value);
  const sh = await sbx.runCode('printf "%s" "$ODD"', { language: 'bash', envs: { ODD: value } });
  assert.equal(sh.logs.stdout.join(''), value);
  const js = await sbx.runCode('process.stdout.write(process.env.ODD)', { language: 'javascript', envs: { ODD: value } });
  assert.equal(js.logs.stdout.join(''), value);
});

test('contexts are isolated, listed, restarted and removed', { timeout: 40000 }, async () => {
  const ctx = await sbx.createCodeContext({ cwd: '/tmp' });
  assert.match(ctx.id, /^[0-9a-f-]{36}$/);
  assert.equal(ctx.language, 'python');
  assert.equal(ctx.cwd, '/tmp');
  await sbx.runCode('only_here = 1', { context: ctx });
  assert.equal((await sbx.runCode('only_here', { context: ctx })).text, '1');
  assert.equal((await sbx.runCode('import os; os.getcwd()', { context: ctx })).text, '/tmp');
  assert.equal((await sbx.runCode('only_here')).error.name, 'NameError');

  const listed = await sbx.listCodeContexts();
  const langs = listed.map((c) => c.language);
  assert.ok(langs.includes('python') && langs.includes('javascript'), `default contexts: ${langs}`);
  assert.deepEqual(listed.find((c) => c.id === ctx.id), { id: ctx.id, language: 'python', cwd: '/tmp' });

  await sbx.restartCodeContext(ctx);
  const gone = await sbx.runCode('only_here', { context: ctx });
  assert.equal(gone.error.name, 'NameError');
  assert.equal(gone.executionCount, 1);

  await sbx.removeCodeContext(ctx.id);
  assert.equal((await sbx.listCodeContexts()).some((c) => c.id === ctx.id), false);
  await assert.rejects(sbx.runCode('1', { context: ctx }), (e) => e instanceof NotFoundError && e.message.includes(`Context ${ctx.id} not found`));
  await assert.rejects(sbx.restartCodeContext(ctx), NotFoundError);
  await assert.rejects(sbx.removeCodeContext(ctx), NotFoundError);
});

test('a kernel that dies is started again: its cell ends with ContextRestarting, the state is gone', { timeout: 30000 }, async () => {
  const ctx = await sbx.createCodeContext();
  await sbx.runCode('doomed = 1', { context: ctx });
  const died = await sbx.runCode('import os\nos._exit(1)', { context: ctx });
  assert.equal(died.error.name, 'ContextRestarting');
  assert.equal(died.error.value, 'Context was restarted');
  const after = await sbx.runCode('doomed', { context: ctx });
  assert.equal(after.error.name, 'NameError');
  assert.equal((await sbx.runCode('40 + 2', { context: ctx })).text, '42');
  await sbx.removeCodeContext(ctx);
});

test('bash: state persists, one stdout message per line, a failing exit status is an error', { timeout: 30000 }, async () => {
  const lines = [];
  const exec = await sbx.runCode('GREETING=hello\necho "$GREETING"\necho second line\necho to-stderr >&2', {
    language: 'bash', onStdout: (m) => lines.push(m.line),
  });
  assert.deepEqual(lines, ['hello\n', 'second line\n', 'to-stderr\n']); // stderr merged, as bash_kernel's pty does
  assert.equal(exec.error, undefined);
  assert.deepEqual((await sbx.runCode('echo $GREETING; pwd', { language: 'bash' })).logs.stdout, ['hello\n', '/home/user\n']);
  const failed = await sbx.runCode('echo before; (exit 3)', { language: 'bash' });
  assert.deepEqual(failed.logs.stdout, ['before\n']);
  assert.equal(failed.error.name, '');
  assert.equal(failed.error.value, '3');
  const env = await sbx.runCode('echo "$BASH_VAR"', { language: 'bash', envs: { BASH_VAR: 'from-call' } });
  assert.deepEqual(env.logs.stdout, ['from-call\n']);
  assert.deepEqual((await sbx.runCode('echo "[$BASH_VAR]"', { language: 'bash' })).logs.stdout, ['[]\n']);
});

test('javascript: persistent context, last value, console output, top-level await', { timeout: 30000 }, async () => {
  const first = await sbx.runCode('const base = 20\nconsole.log("log", base)\nconsole.error("warn")\nbase + 1', { language: 'javascript' });
  assert.equal(first.text, '21');
  assert.deepEqual(first.logs.stdout, ['log 20\n']);
  assert.deepEqual(first.logs.stderr, ['warn\n']);
  assert.equal((await sbx.runCode('base * 2', { language: 'js' })).text, '40');
  assert.equal((await sbx.runCode("await Promise.resolve('Hello World!')", { language: 'javascript' })).text, 'Hello World!');
  assert.equal((await sbx.runCode('process.cwd()', { language: 'javascript' })).text, '/home/user');
  assert.equal((await sbx.runCode('({ a: 1, b: [1, 2] })', { language: 'javascript' })).text, '{ a: 1, b: [ 1, 2 ] }');
  const failed = await sbx.runCode('notDefined + 1', { language: 'javascript' });
  assert.equal(failed.error.name, 'ReferenceError');
  assert.equal(failed.error.value, 'notDefined is not defined');
  const env = await sbx.runCode('process.env.JS_VAR', { language: 'javascript', envs: { JS_VAR: 'js-value' } });
  assert.equal(env.text, 'js-value');
  const nothing = await sbx.runCode('let unused = 1', { language: 'javascript' });
  assert.equal(nothing.results.length, 0);
  const imported = await sbx.runCode("import { join as j } from 'path'\nj('a', 'b')", { language: 'javascript' });
  assert.equal(imported.text, 'a/b');

  const ts = await sbx.createCodeContext({ language: 'ts' });
  assert.equal(ts.language, 'typescript');
  const typed = await sbx.runCode('interface P { n: number }\nconst p: P = { n: 41 }\nconst inc = <T extends number>(v: T): number => v + 1\ninc(p.n)', { context: ts });
  assert.equal(typed.error, undefined);
  assert.equal(typed.text, '42');
  await sbx.removeCodeContext(ts);
});

test('past timeoutMs the SDK gives up, the cell is interrupted and the context works on', { timeout: 30000 }, async () => {
  const ctx = await sbx.createCodeContext();
  await sbx.runCode('kept = "state"', { context: ctx });
  const t0 = Date.now();
  await assert.rejects(sbx.runCode('import time\ntime.sleep(30)', { context: ctx, timeoutMs: 1000 }), TimeoutError);
  assert.ok(Date.now() - t0 < 5000);
  const t1 = Date.now();
  const next = await sbx.runCode('kept', { context: ctx, timeoutMs: 10000 });
  assert.equal(next.text, 'state');
  assert.ok(Date.now() - t1 < 5000, `the next cell waited ${Date.now() - t1} ms`);

  // The same for bash (the sleep is killed, the shell keeps its variables).
  const bash = await sbx.createCodeContext({ language: 'bash' });
  await sbx.runCode('KEEP=yes', { context: bash });
  await assert.rejects(sbx.runCode('sleep 30', { context: bash, timeoutMs: 700 }), TimeoutError);
  assert.deepEqual((await sbx.runCode('echo $KEEP', { context: bash, timeoutMs: 10000 })).logs.stdout, ['yes\n']);
  await sbx.removeCodeContext(ctx);
  await sbx.removeCodeContext(bash);
});

test('bad requests: a language without a kernel, context and language together, the wire errors', { timeout: 30000 }, async () => {
  await assert.rejects(sbx.runCode('x', { language: 'java' }), (e) => e instanceof SandboxError && /500/.test(e.message));
  await assert.rejects(sbx.runCode('x', { language: 'python', context: { id: 'x', language: 'python', cwd: '/' } }), InvalidArgumentError);

  const health = await raw(sbx, '/health');
  assert.equal(health.status, 200);
  assert.equal(await health.text(), '"OK"');
  const unknown = await raw(sbx, '/execute', { method: 'POST', body: { code: '1', context_id: 'nope' } });
  assert.equal(unknown.status, 404);
  assert.equal(await unknown.text(), 'Context nope not found');
  assert.match(unknown.headers.get('content-type'), /^text\/plain/);
  const both = await raw(sbx, '/execute', { method: 'POST', body: { code: '1', context_id: 'a', language: 'python' } });
  assert.equal(both.status, 400);
  assert.equal(await both.text(), 'Only one of context_id or language can be provided');
  const missing = await raw(sbx, '/execute', { method: 'POST', body: {} });
  assert.equal(missing.status, 422);
  assert.equal((await missing.json()).detail[0].loc.join('.'), 'body.code');
  const java = await raw(sbx, '/contexts', { method: 'POST', body: { language: 'java' } });
  assert.equal(java.status, 500);
  assert.match(await java.text(), /^Failed to create context: .*java/);
  // Routed by Host "49999-<id>.<domain>" as well (what getHost(49999) gives).
  const byHost = await new Promise((resolve, reject) => {
    const u = new URL(emu.sandboxUrl);
    const req = http.get({ host: u.hostname, port: u.port, path: '/contexts', headers: { Host: `49999-${sbx.sandboxId}.e2b.local` } }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
  });
  assert.equal(byHost.status, 200);
  assert.ok(JSON.parse(byHost.body).some((c) => c.language === 'javascript'));
  const lines = (await (await raw(sbx, '/execute', { method: 'POST', body: { code: '7' } })).text()).trim().split('\n');
  assert.equal(lines[lines.length - 1], '{"type": "end_of_execution"}');
  assert.deepEqual(JSON.parse(lines[0]).type, 'number_of_executions');
});

test('a silent cell gets keepalive lines every 5 s, and the end line last', { timeout: 30000 }, async () => {
  const res = await raw(sbx, '/execute', { method: 'POST', body: { code: 'import time\ntime.sleep(5.6)\n"done"' } });
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
  const types = lines.map((l) => l.type);
  assert.equal(types[0], 'number_of_executions');
  assert.ok(types.includes('keepalive'), types.join());
  assert.deepEqual(types.filter((t) => t !== 'keepalive'), ['number_of_executions', 'result', 'end_of_execution']);
  assert.deepEqual(lines[lines.length - 2], { type: 'result', text: 'done', extra: {}, is_main_result: true });
});

let other; // the second sandbox: made by the next test, killed mid-run by the one after it
test('two code-interpreter sandboxes run at once, each with its own kernels', { timeout: 40000 }, async () => {
  other = await Sandbox.create(sdkOpts(emu, { requestTimeoutMs: 30000, timeoutMs: 120000 }));
  await Promise.all([sbx.runCode('who = "first"'), other.runCode('who = "second"')]);
  const [a, b] = await Promise.all([sbx.runCode('who'), other.runCode('who')]);
  assert.equal(a.text, 'first');
  assert.equal(b.text, 'second');
  // The cells really run concurrently (one after the other would take 3 s).
  const t0 = Date.now();
  await Promise.all([sbx.runCode('import time; time.sleep(1.5)'), other.runCode('import time; time.sleep(1.5)')]);
  assert.ok(Date.now() - t0 < 2700, `two 1.5 s cells took ${Date.now() - t0} ms`);
});

test('a sandbox killed mid-run: the SDK reports the kill as a TimeoutError', { timeout: 30000 }, async () => {
  const doomed = other || await Sandbox.create(sdkOpts(emu, { requestTimeoutMs: 30000, timeoutMs: 120000 }));
  let started;
  const streaming = new Promise((r) => { started = r; });
  const running = doomed.runCode('import time\nprint("started", flush=True)\ntime.sleep(30)', { timeoutMs: 20000, onStdout: () => started() });
  const outcome = running.then(() => null, (e) => e);
  await streaming; // the cell runs and its answer is streaming
  await doomed.kill();
  const err = await outcome;
  assert.ok(err instanceof TimeoutError, `got ${err && err.stack}`);
  assert.match(err.message, /sandbox was killed while the request was in progress/);
});

test('a paused sandbox keeps its kernels: after connect the state is still there', { timeout: 30000 }, async () => {
  await sbx.runCode('before_pause = "kept"');
  await sbx.pause();
  const back = await Sandbox.connect(sbx.sandboxId, sdkOpts(emu, { requestTimeoutMs: 30000, timeoutMs: 120000 }));
  assert.equal((await back.runCode('before_pause')).text, 'kept');
  assert.deepEqual((await back.runCode('echo $GREETING', { language: 'bash' })).logs.stdout, ['hello\n']);
});

test('a sandbox resumed without its memory starts the server again: fresh kernels, files kept', { timeout: 40000 }, async () => {
  await sbx.files.write('/home/user/kept.txt', 'on disk');
  await sbx.runCode('in_memory = 1');
  await sbx.pause({ keepMemory: false });
  const back = await Sandbox.connect(sbx.sandboxId, sdkOpts(emu, { requestTimeoutMs: 30000, timeoutMs: 120000 }));
  const lost = await back.runCode('in_memory');
  assert.equal(lost.error && lost.error.name, 'NameError', JSON.stringify(lost));
  const file = await back.runCode("open('/home/user/kept.txt').read()");
  assert.equal(file.text, 'on disk', JSON.stringify(file));
  const js = await back.runCode('1 + 1', { language: 'js' });
  assert.equal(js.text, '2', JSON.stringify(js));
});

test('the templates API lists code-interpreter-v1', { timeout: 10000 }, async () => {
  const res = await fetch(`${emu.apiUrl}/templates`, { headers: { 'X-API-KEY': emu.apiKey } });
  const list = await res.json();
  const t = list.find((x) => (x.aliases || []).includes('code-interpreter-v1'));
  assert.ok(t, JSON.stringify(list));
  assert.equal(sbx.sandboxId.length > 0, true);
  const info = await Sandbox.getInfo(sbx.sandboxId, sdkOpts(emu));
  assert.equal(info.templateId, t.templateID);
  assert.equal(info.name, 'code-interpreter-v1');
});
