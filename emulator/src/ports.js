'use strict';
// Per-port loopback listeners: POST /_emulator/sandboxes/<id>/ports/<port> opens (once per sandbox
// and port) a TCP listener on 127.0.0.1 that forwards every connection to that port of the
// sandbox, so any client (curl, a browser, node, Python) reaches a server in the sandbox from a
// plain http://127.0.0.1:N URL — what the Lua SDK's sbx:get_url(port) returns on the emulator.
// Raw TCP, so HTTP, WebSockets and anything else pass unchanged. Traffic to a paused sandbox is
// refused (the connection is closed) unless it auto-resumes, like the router's port proxy.
const net = require('net');

const HOST = '127.0.0.1';

class PortListeners {
  constructor(registry) {
    this.registry = registry;
    this.byKey = new Map(); // `${id}:${port}` -> { server, url, hostPort }
  }

  // -> { url, host, port } (port = the listener's port on 127.0.0.1)
  async open(sbx, port) {
    const key = `${sbx.id}:${port}`;
    const have = this.byKey.get(key);
    if (have) return have.info;
    const server = net.createServer((socket) => this.forward(sbx, port, socket));
    server.on('error', () => {});
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, HOST, () => { server.off('error', reject); resolve(); });
    });
    const hostPort = server.address().port;
    const info = { url: `http://${HOST}:${hostPort}`, host: `${HOST}:${hostPort}`, port: hostPort };
    const entry = { server, info, sockets: new Set() };
    this.byKey.set(key, entry);
    sbx.once('killed', () => this.close(key));
    return info;
  }

  forward(sbx, port, socket) {
    const entry = this.byKey.get(`${sbx.id}:${port}`);
    socket.on('error', () => {});
    if (sbx.state === 'paused' && sbx.meta && sbx.meta.autoResume) {
      this.registry.resume(sbx, sbx.meta.createTimeout); // auto-resume on traffic, as the router does
    }
    if (sbx.state !== 'running') { socket.destroy(); return; }
    if (entry) entry.sockets.add(socket);
    socket.pause();
    const starting = typeof sbx.portReady === 'function' ? sbx.portReady(port) : null;
    Promise.resolve(starting).then(() => {
      if (sbx.state !== 'running' || socket.destroyed) { socket.destroy(); return; }
      const to = sbx.portTarget(port);
      const up = net.connect(to.port, to.host);
      up.on('error', () => socket.destroy());
      socket.on('close', () => { up.destroy(); if (entry) entry.sockets.delete(socket); });
      up.on('close', () => socket.destroy());
      socket.pipe(up);
      up.pipe(socket);
      socket.resume();
    }, () => socket.destroy());
  }

  close(key) {
    const entry = this.byKey.get(key);
    if (!entry) return;
    this.byKey.delete(key);
    entry.server.close();
    for (const s of entry.sockets) s.destroy();
  }

  closeAll() {
    for (const key of [...this.byKey.keys()]) this.close(key);
  }
}

module.exports = { PortListeners };
