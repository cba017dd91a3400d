'use strict';
// Serves the built console (dist/web/browser) and passes /api/ and /v1/ through to the gateway, so the
// browser talks to one origin. Standard library only: it also runs alone in the container image.
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const PROXIED = ['/api/', '/v1/'];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

// Angular names bundles `main-GDEKPUKB.js`, `chunk-DUt_sbaP.js`, `styles-DU7AM5P2.css`: their content never
// changes under that name, so browsers may keep them for good. The 8-character hash (base64url alphabet) has an
// upper-case letter or a digit, which keeps names like `my-document.svg` out.
const HASHED =
  /[.-](?=[a-z_-]*[A-Z0-9])[A-Za-z0-9_-]{8}\.(?:js|mjs|css|woff2?|ttf|otf|svg|png|jpe?g|gif|webp|avif|wasm)$/;

// Headers that describe one connection, not the message (RFC 9110 §7.6.1); never forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function cacheControl(file, root) {
  if (path.relative(root, file) === 'index.html') return 'no-cache';
  return HASHED.test(file) ? 'public, max-age=31536000, immutable' : 'public, max-age=3600';
}

/** The file a URL path names inside root, or null when it escapes root or is not a file. */
function fileFor(root, pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const file = path.join(root, path.normalize(decoded));
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  try {
    const stat = fs.statSync(file);
    if (stat.isFile()) return { file, stat };
    if (stat.isDirectory()) {
      const index = path.join(file, 'index.html');
      const indexStat = fs.statSync(index, { throwIfNoEntry: false });
      if (indexStat?.isFile()) return { file: index, stat: indexStat };
    }
  } catch {
    // not there
  }
  return null;
}

/** Routes of the single-page app have no file extension; a missing `x.js` is a real 404, not the app. */
const isAppRoute = (req, pathname) => !path.extname(pathname) || (req.headers.accept ?? '').includes('text/html');

function sendFile(req, res, root, { file, stat }) {
  const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  const headers = {
    'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'cache-control': cacheControl(file, root),
    'last-modified': stat.mtime.toUTCString(),
    etag,
    'x-content-type-options': 'nosniff',
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': stat.size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  fs.createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

function problem(res, status, title, detail) {
  const body = JSON.stringify({ type: 'about:blank', title, status, detail });
  res.writeHead(status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function serveStatic(req, res, root) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  const found = fileFor(root, pathname);
  if (found) return sendFile(req, res, root, found);
  const index = isAppRoute(req, pathname) && fileFor(root, '/index.html');
  if (index) return sendFile(req, res, root, index);
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
}

/**
 * Streams the request to the gateway and its answer back as it arrives (Server-Sent Events included).
 * @param {URL} upstream
 */
function proxy(req, res, upstream, agent) {
  const headers = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
  }
  const remote = req.socket.remoteAddress ?? '';
  headers['x-forwarded-for'] = req.headers['x-forwarded-for'] ? `${req.headers['x-forwarded-for']}, ${remote}` : remote;
  headers['x-forwarded-host'] = req.headers.host ?? '';
  headers['x-forwarded-proto'] = req.socket.encrypted ? 'https' : 'http';
  headers.host = upstream.host;

  const client = upstream.protocol === 'https:' ? https : http;
  const basePath = upstream.pathname.replace(/\/$/, '');
  const upstreamReq = client.request({
    protocol: upstream.protocol,
    hostname: upstream.hostname,
    port: upstream.port,
    method: req.method,
    path: basePath + req.url,
    headers,
    agent,
  });
  upstreamReq.on('response', (upstreamRes) => {
    const out = {};
    for (const [name, value] of Object.entries(upstreamRes.headers)) {
      if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
    }
    res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, out);
    // Event streams must reach the browser event by event, not when some buffer fills.
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    upstreamRes.pipe(res);
    upstreamRes.on('error', () => res.destroy());
  });
  upstreamReq.on('error', (err) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    problem(
      res,
      502,
      'Bad Gateway',
      `The gateway at ${upstream.origin} is not reachable (${err.code ?? err.message}).`,
    );
  });
  // A client that goes away (a closed event stream) releases the upstream request too.
  res.on('close', () => {
    if (!res.writableFinished) upstreamReq.destroy();
  });
  req.pipe(upstreamReq);
}

/**
 * @param {{ port?: number, host?: string, root?: string, gatewayUrl?: string }} [options] port 0 picks a free one
 * @returns {Promise<{ server: import('node:http').Server, url: string, port: number, close(): Promise<void> }>}
 */
async function startWebServer({
  port = 4200,
  host = '0.0.0.0',
  root = path.join(ROOT, 'dist', 'web', 'browser'),
  gatewayUrl = 'http://127.0.0.1:3000',
} = {}) {
  const webRoot = path.resolve(root);
  if (!fs.existsSync(path.join(webRoot, 'index.html'))) {
    throw new Error(`no web build at ${webRoot} (index.html missing); run: npm run build -w @portcullis/web`);
  }
  const upstream = new URL(gatewayUrl);
  const agent = new (upstream.protocol === 'https:' ? https : http).Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (PROXIED.some((prefix) => pathname.startsWith(prefix))) proxy(req, res, upstream, agent);
    else serveStatic(req, res, webRoot);
  });
  // Event streams stay open for as long as the client listens.
  server.requestTimeout = 0;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actual = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  const close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      agent.destroy();
    });
  return { server, url: `http://127.0.0.1:${actual}`, port: actual, close };
}

if (require.main === module) {
  const { WEB_PORT, WEB_ROOT, GATEWAY_URL, WEB_HOST } = process.env;
  startWebServer({
    port: WEB_PORT ? Number(WEB_PORT) : undefined,
    host: WEB_HOST || undefined,
    root: WEB_ROOT || undefined,
    gatewayUrl: GATEWAY_URL || undefined,
  }).then(
    (web) => {
      console.log(`web console on ${web.url}, proxying /api/ and /v1/ to ${GATEWAY_URL || 'http://127.0.0.1:3000'}`);
      for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => web.close().then(() => process.exit(0)));
    },
    (err) => {
      console.error(`serve-web: ${err.message}`);
      process.exit(1);
    },
  );
}

module.exports = { startWebServer };
