#!/usr/bin/env node
// `npm run demo:web`: build the browser playground (scripts/build-web.js) and serve examples/web/dist on
// localhost with a tiny static server (node:http), printing the URL. Flags: `--port N` (default 8080;
// 0 picks a free port), `--host H` (default 127.0.0.1), `--no-build` (serve the last build).
// Every response carries the cross-origin isolation headers (COOP/COEP below), so the page gets
// SharedArrayBuffer and the CPU backend's Web Workers; the page loads only its own files (main.js bundles
// gpu.js and viz-js), which same-origin isolation allows.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { buildWeb, outDir } = require('./build-web');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The headers that make a page cross-origin isolated (`crossOriginIsolated`: SharedArrayBuffer, workers over shared memory). */
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/**
 * Serve `dir` (index.html for '/'), with the isolation headers unless `isolated` is false, and any other
 * `headers` (tests add a Content-Security-Policy); resolves once listening with the URL and a close function.
 */
function serveStatic(dir, { port = 8080, host = '127.0.0.1', isolated = true, headers = {} } = {}) {
  const root = path.resolve(dir);
  const policy = { ...(isolated ? ISOLATION : {}), ...headers };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url || '/', 'http://localhost');
    let rel;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    const file = path.resolve(root, '.' + (rel.endsWith('/') ? rel + 'index.html' : rel));
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${rel}`);
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store', ...policy });
      res.end(body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      const shown = host === '0.0.0.0' || host === '127.0.0.1' ? 'localhost' : host;
      resolve({
        url: `http://${shown}:${actual}/`,
        port: actual,
        server,
        close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(() => done()); }),
      });
    });
  });
}

/** Build (unless build is false), then serve the playground. */
async function serveWeb({ port = 8080, host = '127.0.0.1', build = true, quiet = false } = {}) {
  if (build) await buildWeb({ quiet });
  return serveStatic(outDir, { port, host });
}

module.exports = { serveWeb, serveStatic, ISOLATION };

if (require.main === module) {
  const args = process.argv.slice(2);
  const value = (flag, fallback) => {
    const i = args.indexOf(flag);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
  };
  if (args.includes('--help')) {
    console.log('Usage: npm run demo:web -- [--port N] [--host H] [--no-build]\nBuilds examples/web and serves it on localhost.');
    process.exit(0);
  }
  const port = Number(value('--port', process.env.PORT || '8080'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve-web: --port must be an integer from 0 to 65535, got ${JSON.stringify(value('--port', ''))}`);
    process.exit(2);
  }
  serveWeb({ port, host: value('--host', '127.0.0.1'), build: !args.includes('--no-build') })
    .then(({ url }) => console.log(`propel-ts playground: ${url}  (Ctrl+C to stop)`))
    .catch((e) => {
      console.error(`serve-web: ${e && e.code === 'EADDRINUSE' ? `port ${port} is in use (try --port 0)` : e instanceof Error ? e.message : e}`);
      process.exit(1);
    });
}
