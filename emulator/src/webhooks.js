'use strict';
// Webhooks (E2B's Argus API): the team's registrations, and the delivery of every matching
// lifecycle event to them — POST of the event's JSON with the e2b-signature headers, retried on
// failure, each attempt recorded. Targets are loopback only (the project's network rule).
const crypto = require('crypto');
const http = require('http');
const https = require('https');
const net = require('net');

const RETRIES = 3; // after the first attempt (E2B: "up to 3 times, 10 seconds apart")
const RETRY_MS = Number(process.env.E2B_EMULATOR_WEBHOOK_RETRY_MS) || 10000;
const ATTEMPT_TIMEOUT_MS = 10000;
const KEEP_DELIVERIES = 1000; // per webhook, newest kept

// base64url without padding of sha256(secret + rawBody): the e2b-signature header.
function sign(secret, rawBody) {
  return crypto.createHash('sha256').update(Buffer.concat([Buffer.from(secret, 'utf8'), Buffer.from(rawBody)]))
    .digest('base64url');
}

// A URL a webhook may point at: http(s) to 127.0.0.0/8, ::1 or localhost. -> URL, or an Error.
function loopbackUrl(raw) {
  let u;
  try { u = new URL(raw); } catch { return new Error(`'url' is not a valid URL`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return new Error("'url' must be http or https");
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const loop = host === 'localhost' || (net.isIPv4(host) && host.startsWith('127.')) || host === '::1';
  if (!loop) return new Error(`'url' must point at loopback (127.0.0.0/8, ::1 or localhost): the emulator sends nothing elsewhere`);
  return u;
}

class Webhooks {
  constructor({ events, teamId }) {
    this.teamId = teamId;
    this.hooks = new Map(); // id -> { id, name, url, enabled, events, signatureSecret, createdAt, deliveries: [] }
    this._timers = new Set();
    this._closed = false;
    events.on('event', (ev) => this._dispatch(ev));
  }

  detail(h) {
    return { id: h.id, teamId: this.teamId, name: h.name, createdAt: h.createdAt, url: h.url, enabled: h.enabled, events: [...h.events] };
  }

  add(fields) {
    const h = { id: crypto.randomUUID(), createdAt: new Date().toISOString(), enabled: true, deliveries: [], ...fields };
    this.hooks.set(h.id, h);
    return h;
  }

  get(id) { return this.hooks.get(id) || null; }
  list() { return [...this.hooks.values()]; }
  remove(id) { return this.hooks.delete(id); }

  close() {
    this._closed = true;
    for (const t of this._timers) clearTimeout(t);
    this._timers.clear();
  }

  _dispatch(ev) {
    for (const h of this.hooks.values()) {
      if (h.enabled && h.events.includes(ev.type)) this._deliver(h, ev);
    }
  }

  _deliver(h, ev) {
    const body = Buffer.from(JSON.stringify(ev));
    const rec = { eventId: ev.id, eventType: ev.type, sandboxId: ev.sandboxId, deliveryId: crypto.randomUUID(), attempts: [] };
    h.deliveries.push(rec);
    if (h.deliveries.length > KEEP_DELIVERIES) h.deliveries.shift();
    // The URL and secret of the moment the event happened (an update applies to later events).
    const target = { url: h.url, secret: h.signatureSecret };
    const attempt = async (n) => {
      if (this._closed || !this.hooks.has(h.id)) return;
      const started = Date.now();
      const r = await post(target.url, body, {
        'Content-Type': 'application/json',
        'e2b-webhook-id': h.id,
        'e2b-delivery-id': rec.deliveryId,
        'e2b-signature-version': 'v1',
        'e2b-signature': sign(target.secret, body),
      });
      const ok = r.status >= 200 && r.status < 300;
      rec.attempts.push({
        id: crypto.randomUUID(),
        attempt: n,
        timestamp: new Date(started).toISOString(),
        deliveryStatus: ok ? 'success' : 'failed',
        durationMs: Date.now() - started,
        requestUrl: target.url,
        responseStatusCode: r.status || null,
        errorMessage: ok ? null : (r.error || `HTTP ${r.status}`),
      });
      if (!ok && n <= RETRIES && !this._closed) {
        const t = setTimeout(() => { this._timers.delete(t); attempt(n + 1); }, RETRY_MS);
        t.unref();
        this._timers.add(t);
      }
    };
    attempt(1);
  }
}

// One POST; resolves { status } or { status: 0, error } (never rejects).
function post(raw, body, headers) {
  const u = loopbackUrl(raw);
  if (u instanceof Error) return Promise.resolve({ status: 0, error: u.message });
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const req = lib.request(u, {
      method: 'POST',
      headers: { ...headers, 'Content-Length': body.length },
      timeout: ATTEMPT_TIMEOUT_MS,
      agent: false,
      ...(u.hostname === 'localhost' ? { lookup: (h, o, cb) => cb(null, o && o.all ? [{ address: '127.0.0.1', family: 4 }] : '127.0.0.1', 4) } : {}),
    }, (res) => { res.resume(); res.on('end', () => resolve({ status: res.statusCode })); res.on('error', () => resolve({ status: res.statusCode })); });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${ATTEMPT_TIMEOUT_MS} ms`)));
    req.on('error', (e) => resolve({ status: 0, error: e.message }));
    req.end(body);
  });
}

module.exports = { Webhooks, sign, loopbackUrl };
