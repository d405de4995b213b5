'use strict';
// The envd side of the emulator behind the router: Connect RPC (process.Process,
// filesystem.Filesystem) through @connectrpc/connect-node, and the plain HTTP /files routes.
const { createContextValues } = require('@connectrpc/connect');
const { connectNodeAdapter } = require('@connectrpc/connect-node');
const { Process } = require('../gen/process/process_pb');
const { Filesystem } = require('../gen/filesystem/filesystem_pb');
const { kSandbox, authnInterceptor } = require('./context');
const { processService } = require('./process');
const { filesystemService } = require('./filesystem');
const { handleFiles } = require('./files-http');
const { sendJson } = require('../api/http');

function createEnvdHandler({ registry } = {}) {
  const sandboxOfRequest = new WeakMap();
  const adapter = connectNodeAdapter({
    routes(router) {
      router.service(Process, processService);
      router.service(Filesystem, filesystemService);
    },
    interceptors: [authnInterceptor],
    jsonOptions: { ignoreUnknownFields: true },
    acceptCompression: [],
    contextValues: (req) => createContextValues().set(kSandbox, sandboxOfRequest.get(req)),
    fallback: (req, res) => sendJson(res, 404, { code: 404, message: `no envd route for ${req.method} ${req.url.split('?')[0]}` }),
  });

  return function envdHandler(req, res, sandbox) {
    const path = req.url.split('?')[0];
    if (path === '/files') return handleFiles(req, res, sandbox, registry);
    if (!sandbox) return sendJson(res, 404, { code: 404, message: 'sandbox not found' });
    // envd reads Connect-Timeout-Ms 0 as "no deadline"; connect-es would expire it at once.
    if (req.headers['connect-timeout-ms'] === '0') delete req.headers['connect-timeout-ms'];
    sandboxOfRequest.set(req, sandbox);
    return adapter(req, res);
  };
}

module.exports = { createEnvdHandler, sendJson };
