// Loopback HTTP/1.1 server for the transport specs. Prints {"port":N,"pid":P} when ready.
// Routes (query parameters in brackets):
//   /echo            JSON {method, path, headers, len, sha256, body (utf8, first 64 KiB)};
//                    [as=connect]: the same as one Connect message and an end-of-stream
//   /status/N        answer with status N and body "status N" [ct=content type]
//   /delay           wait [ms] then answer "late"
//   /big             [size] bytes of a repeating pattern, honouring socket backpressure
//   /drop            promise [size] bytes, send [after] bytes, then destroy the socket
//   /connect         POST: body is JSON {messages:[…], end:{…}|null, chunk:k, delay:ms,
//                    raw:"hex", hold:true} -> Connect envelopes split every k bytes, one write
//                    each; with hold the answer is never ended (a server that goes quiet)
//   /hang            send headers and nothing else (until the client goes away)
//   /lines           POST: answer the request body as is (newline-delimited text), split every
//                    [chunk] bytes with [delay] ms between writes, status [status] (200), then
//                    [long] more bytes of "x" without a newline
// Exits on SIGTERM, when the --parent pid is gone, or after LIFETIME ms so a crashed spec never leaves it behind.
'use strict';
const http = require('http');
const { stayWithSpec, envelope, readBody: readAll, sendBig, ready } = require('./server_common');

stayWithSpec(Number(process.env.ECHO_LIFETIME_MS || 120000));
const readBody = (req, cb) => readAll(req, cb, 65536);

async function writeChunks(res, buf, chunk, delay, hold) {
  for (let i = 0; i < buf.length; i += chunk) {
    res.write(buf.subarray(i, i + chunk));
    if (delay) await new Promise((r) => setTimeout(r, delay));
  }
  if (!hold) res.end();
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const q = (k, d) => (url.searchParams.has(k) ? url.searchParams.get(k) : d);
  const path = url.pathname;
  if (path === '/echo') {
    readBody(req, (len, sha256, body) => {
      const o = { method: req.method, path, query: url.search, headers: req.headers,
                  len, sha256, body: body.toString('latin1') };
      if (q('as') === 'connect') { // the same, as one Connect message and the end of the stream
        res.setHeader('content-type', 'application/connect+json');
        return res.end(Buffer.concat([envelope(0, o), envelope(2, {})]));
      }
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-multi', 'one');
      res.end(JSON.stringify(o));
    });
  } else if (path.startsWith('/status/')) {
    readBody(req, () => {
      const n = Number(path.slice(8));
      res.writeHead(n, { 'content-type': q('ct', 'text/plain') });
      res.end(`status ${n}`);
    });
  } else if (path === '/delay') {
    const t = setTimeout(() => res.end('late'), Number(q('ms', 1000)));
    res.on('close', () => clearTimeout(t));
  } else if (path === '/big') {
    sendBig(res, Number(q('size', 1 << 20)));
  } else if (path === '/drop') {
    const size = Number(q('size', 100000));
    res.writeHead(200, { 'content-type': q('ct', 'application/octet-stream'), 'content-length': size });
    res.write(Buffer.alloc(Number(q('after', 1000)), 'x'));
    setTimeout(() => req.socket.destroy(), 50);
  } else if (path === '/connect') {
    readBody(req, (len, sha, body) => {
      let o;
      try { o = JSON.parse(body.toString('utf8')); } catch (e) { res.writeHead(400); return res.end('bad json'); }
      // Lua's cjson writes an empty array as {}
      const msgs = Array.isArray(o.messages) ? o.messages : Object.values(o.messages || {});
      const parts = msgs.map((m) => envelope(0, m));
      if (o.end !== null) parts.push(envelope(2, o.end || {}));
      let buf = Buffer.concat(parts);
      if (o.raw) buf = Buffer.concat([buf, Buffer.from(o.raw, 'hex')]);
      res.writeHead(o.status || 200, { 'content-type': o.ct || 'application/connect+json' });
      writeChunks(res, buf, o.chunk || buf.length || 1, o.delay || 0, o.hold === true);
    });
  } else if (path === '/lines') {
    readAll(req, (len, sha, body) => {
      res.writeHead(Number(q('status', 200)), { 'content-type': 'application/x-ndjson' });
      const long = Number(q('long', 0));
      const buf = long ? Buffer.concat([body, Buffer.alloc(long, 'x')]) : body;
      writeChunks(res, buf, Number(q('chunk', buf.length || 1)), Number(q('delay', 0)), false);
    });
  } else if (path === '/hang') {
    res.writeHead(200, { 'content-type': 'application/connect+json' });
    res.flushHeaders();
  } else {
    res.writeHead(404);
    res.end('no route');
  }
});

server.listen(0, '127.0.0.1', () => ready({ port: server.address().port }));
