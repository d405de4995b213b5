'use strict';
// Fault injection for reliability tests, set through the control endpoint (README "Faults").
// A rule: { id, mode: "delay"|"drop"|"status"|"malformed"|"silent", surface?: "api"|"envd",
//           sandboxId?, match? (path prefix), ms?, after_bytes?, status?, retry_after?, count? }
// "silent": after `after_bytes` body bytes the response sends nothing more — no data, no
// keepalive, no end — while the connection stays open (a server that hangs mid-stream).
// `retry_after` is seconds (an integer) or a string sent verbatim (an HTTP date).
const MODES = ['delay', 'drop', 'status', 'malformed', 'silent'];

// Connect code a proxy status maps to (Appendix A), for envd RPC paths.
const CONNECT_CODE = { 400: 'invalid_argument', 401: 'unauthenticated', 403: 'permission_denied',
  404: 'not_found', 409: 'aborted', 429: 'resource_exhausted', 501: 'unimplemented',
  503: 'unavailable', 504: 'deadline_exceeded' };

// A Connect envelope with the compressed flag set (we never negotiate compression) around bytes
// that are not JSON: every client must reject it.
const MALFORMED_ENVELOPE = Buffer.from([0x01, 0x00, 0x00, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef]);

class FaultError extends Error {}

function check(spec) {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new FaultError('fault must be a JSON object');
  const known = ['mode', 'surface', 'sandboxId', 'match', 'ms', 'after_bytes', 'status', 'retry_after', 'count'];
  for (const k of Object.keys(spec)) if (!known.includes(k)) throw new FaultError(`unknown fault field '${k}' (known: ${known.join(', ')})`);
  if (!MODES.includes(spec.mode)) throw new FaultError(`'mode' must be one of ${MODES.join(', ')}`);
  if (spec.surface !== undefined && spec.surface !== 'api' && spec.surface !== 'envd') throw new FaultError("'surface' must be 'api' or 'envd'");
  for (const k of ['sandboxId', 'match']) if (spec[k] !== undefined && typeof spec[k] !== 'string') throw new FaultError(`'${k}' must be a string`);
  const dateLike = typeof spec.retry_after === 'string';
  if (dateLike && (spec.retry_after === '' || /[\r\n]/.test(spec.retry_after))) throw new FaultError("'retry_after' string must be one header line");
  for (const k of ['ms', 'after_bytes', 'count', ...(dateLike ? [] : ['retry_after'])]) {
    if (spec[k] !== undefined && (!Number.isInteger(spec[k]) || spec[k] < 0)) throw new FaultError(`'${k}' must be a non-negative integer`);
  }
  if (spec.mode === 'delay' && spec.ms === undefined) throw new FaultError("mode 'delay' needs 'ms'");
  if (spec.mode === 'status' && (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599)) {
    throw new FaultError("mode 'status' needs 'status' from 400 to 599");
  }
  if (spec.count === 0) throw new FaultError("'count' must be at least 1 (omit it for no limit)");
}

class Faults {
  constructor() { this.rules = []; this.nextId = 1; }

  add(spec) {
    check(spec);
    const rule = { id: this.nextId++, ...spec };
    this.rules.push(rule);
    return rule;
  }

  clear(id) {
    if (id === undefined) { const n = this.rules.length; this.rules = []; return n; }
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return before - this.rules.length;
  }

  list() { return this.rules.map((r) => ({ ...r })); }

  // The first rule for this request, its use counted; null if none.
  take({ surface, sandboxId, path }) {
    const rule = this.rules.find((r) => (!r.surface || r.surface === surface) &&
      (!r.sandboxId || r.sandboxId === sandboxId) && (!r.match || path.startsWith(r.match)));
    if (!rule) return null;
    if (rule.count !== undefined && --rule.count === 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule;
  }

  // Applies a matching rule. Resolves true when the fault answered the request itself.
  async apply(req, res, where) {
    const rule = this.take(where);
    if (!rule) return false;
    switch (rule.mode) {
      case 'delay':
        await new Promise((r) => setTimeout(r, rule.ms));
        return false;
      case 'status':
        answerStatus(res, rule, where);
        return true;
      case 'drop':
        if (!rule.after_bytes) { req.socket.destroy(); return true; }
        limitBody(res, rule.after_bytes, () => res.socket && res.socket.destroySoon());
        return false;
      case 'silent':
        // headers go out (the stream has started), then nothing: writes and the end are swallowed
        limitBody(res, rule.after_bytes || 0, () => { try { res.flushHeaders(); } catch { /* gone */ } return false; });
        return false;
      case 'malformed':
        limitBody(res, rule.after_bytes || 0, (write) => { write(MALFORMED_ENVELOPE); return true; });
        return false;
      default:
        return false;
    }
  }
}

function answerStatus(res, rule, where) {
  const headers = { 'Content-Type': 'application/json' };
  if (rule.retry_after !== undefined) headers['Retry-After'] = String(rule.retry_after);
  const message = `injected fault: status ${rule.status}`;
  const rpc = where.surface === 'envd' && /^\/[a-z]+\.[A-Za-z]+\//.test(where.path);
  const body = rpc
    ? { code: CONNECT_CODE[rule.status] || 'unknown', message }
    : where.surface === 'envd' && rule.status === 502
      ? { sandboxId: where.sandboxId || '', message, code: 502 }
      : { code: rule.status, message };
  const data = JSON.stringify(body);
  headers['Content-Length'] = Buffer.byteLength(data);
  res.writeHead(rule.status, headers);
  res.end(data);
}

// Lets `limit` body bytes through, then calls onLimit(write) once and swallows the rest.
// onLimit returning true means "end the response cleanly" (after its own extra bytes).
function limitBody(res, limit, onLimit) {
  const write = (b, cb) => { try { return res.socket ? origWrite(b, cb) : false; } catch { return false; } };
  const origWrite = res.write.bind(res);
  const end = res.end.bind(res);
  let sent = 0;
  let tripped = false;
  const trip = () => {
    tripped = true;
    if (onLimit(write)) end();
  };
  res.write = (chunk, enc, cb) => {
    if (tripped) return true;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, typeof enc === 'string' ? enc : 'utf8');
    const room = limit - sent;
    if (buf.length < room) {
      sent += buf.length;
      return write(buf, cb);
    }
    if (room > 0) write(buf.subarray(0, room));
    sent = limit;
    trip();
    return true;
  };
  res.end = (chunk, enc, cb) => {
    if (typeof chunk === 'function') { cb = chunk; chunk = undefined; }
    if (!tripped && chunk !== undefined && chunk !== null) res.write(chunk, enc);
    if (!tripped) trip(); // the body ended under the limit: the fault hits where it ends
    if (cb) cb();
    return res;
  };
}

module.exports = { Faults, FaultError, MALFORMED_ENVELOPE };
