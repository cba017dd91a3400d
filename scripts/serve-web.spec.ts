import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

type Web = { server: http.Server; url: string; port: number; close(): Promise<void> };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS, also run alone in the container
const { startWebServer } = require('./serve-web.cjs') as {
  startWebServer: (options?: { port?: number; host?: string; root?: string; gatewayUrl?: string }) => Promise<Web>;
};

const INDEX = '<!doctype html><title>Portcullis</title><app-root></app-root>';

function webBuild() {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-web-spec-'));
  const root = path.join(parent, 'browser');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), INDEX);
  fs.writeFileSync(path.join(root, 'main-4XZK2QJM.js'), 'console.log("app")');
  fs.writeFileSync(path.join(root, 'styles-AB12CD34.css'), 'body{}');
  fs.writeFileSync(path.join(root, 'assets', 'logo.svg'), '<svg/>');
  fs.writeFileSync(path.join(root, 'assets', 'my-document.svg'), '<svg/>');
  fs.writeFileSync(path.join(root, 'chunk-DUt_sbaP.js'), 'export {}');
  fs.writeFileSync(path.join(parent, 'secret.txt'), 'not for the web');
  return { parent, root };
}

/** What the fake gateway saw, and a way to release the second event of its stream. */
const upstreamSeen: { method?: string; url?: string; headers?: http.IncomingHttpHeaders; body?: string } = {};
let releaseSecondEvent: () => void = () => undefined;

function fakeGateway() {
  return http.createServer((req, res) => {
    if (req.url === '/v1/mcp/demo/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('event: message\ndata: {"n":1}\n\n');
      // The second event is only sent once the client has the first: a buffering proxy never delivers it.
      releaseSecondEvent = () => res.end('event: message\ndata: {"n":2}\n\n');
      return;
    }
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      Object.assign(upstreamSeen, { method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'gateway', 'set-cookie': ['a=1', 'b=2'] });
      res.end(JSON.stringify({ ok: true }));
    });
  });
}

function listen(server: http.Server) {
  return new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

/** A raw request, so paths reach the server exactly as written (fetch would normalise `..`). */
function rawGet(url: string, pathname: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const { hostname, port } = new URL(url);
    http
      .get({ hostname, port, path: pathname }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe(startWebServer.name, () => {
  const build = webBuild();
  const gateway = fakeGateway();
  let web: Web;

  beforeAll(async () => {
    const gatewayPort = await listen(gateway);
    web = await startWebServer({
      port: 0,
      host: '127.0.0.1',
      root: build.root,
      gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    });
  });

  afterAll(async () => {
    await web?.close();
    gateway.closeAllConnections();
    await new Promise((r) => gateway.close(r));
    fs.rmSync(build.parent, { recursive: true, force: true });
  });

  describe('static files', () => {
    it('should serve index.html at / without letting browsers keep it', async () => {
      const res = await fetch(`${web.url}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(INDEX);
    });

    it('should serve hashed bundles with their type and a long immutable cache', async () => {
      const js = await fetch(`${web.url}/main-4XZK2QJM.js`);
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await js.text()).toBe('console.log("app")');
      const chunk = await fetch(`${web.url}/chunk-DUt_sbaP.js`);
      expect(chunk.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const css = await fetch(`${web.url}/styles-AB12CD34.css`);
      expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    });

    it('should serve unhashed assets with a short cache', async () => {
      for (const asset of ['/assets/logo.svg', '/assets/my-document.svg']) {
        const res = await fetch(`${web.url}${asset}`);
        expect(res.headers.get('content-type')).toBe('image/svg+xml');
        expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
      }
    });

    it('should answer a repeated request with 304 when the file did not change', async () => {
      const first = await fetch(`${web.url}/main-4XZK2QJM.js`);
      const etag = first.headers.get('etag')!;
      const second = await fetch(`${web.url}/main-4XZK2QJM.js`, { headers: { 'if-none-match': etag } });
      expect(second.status).toBe(304);
    });

    it('should answer deep links of the single-page app with index.html', async () => {
      for (const route of ['/servers', '/gateways/demo/tools', '/audit?from=2026-01-01']) {
        const res = await fetch(`${web.url}${route}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-cache');
        expect(await res.text()).toBe(INDEX);
      }
    });

    it('should answer 404 for a missing bundle instead of the app', async () => {
      const res = await fetch(`${web.url}/chunk-DEADBEEF.js`);
      expect(res.status).toBe(404);
    });

    it('should not serve files outside its root', async () => {
      for (const attempt of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
        const res = await rawGet(web.url, attempt);
        expect(res.body).not.toContain('not for the web');
      }
    });

    it('should refuse methods other than GET and HEAD', async () => {
      expect((await fetch(`${web.url}/`, { method: 'POST' })).status).toBe(405);
      const head = await fetch(`${web.url}/`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(INDEX.length));
    });
  });

  describe('gateway proxy', () => {
    it('should pass method, path, query, headers and body through, and status and headers back', async () => {
      const res = await fetch(`${web.url}/api/v1/things?limit=5`, {
        method: 'POST',
        headers: { authorization: 'Bearer pc_admin_x', 'content-type': 'application/json' },
        body: '{"name":"demo"}',
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('x-upstream')).toBe('gateway');
      expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
      expect(await res.json()).toEqual({ ok: true });
      expect(upstreamSeen).toMatchObject({ method: 'POST', url: '/api/v1/things?limit=5', body: '{"name":"demo"}' });
      expect(upstreamSeen.headers).toMatchObject({
        authorization: 'Bearer pc_admin_x',
        'x-forwarded-host': new URL(web.url).host,
        'x-forwarded-proto': 'http',
      });
    });

    it('should stream server-sent events as they arrive', async () => {
      const res = await fetch(`${web.url}/v1/mcp/demo/stream`, { headers: { accept: 'text/event-stream' } });
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const reader = res.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
      const decoder = new TextDecoder();
      let received = '';
      while (!received.includes('\n\n')) received += decoder.decode((await reader.read()).value);
      expect(received).toBe('event: message\ndata: {"n":1}\n\n');

      releaseSecondEvent();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
        received += decoder.decode(chunk.value);
      expect(received).toBe('event: message\ndata: {"n":1}\n\nevent: message\ndata: {"n":2}\n\n');
    }, 5000);

    it('should leave other paths to the static server', async () => {
      expect(await (await fetch(`${web.url}/apis`)).text()).toBe(INDEX);
    });
  });

  it('should answer 502 problem+json when the gateway is down', async () => {
    const closed = http.createServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    const orphan = await startWebServer({
      port: 0,
      host: '127.0.0.1',
      root: build.root,
      gatewayUrl: `http://127.0.0.1:${port}`,
    });
    try {
      const res = await fetch(`${orphan.url}/api/v1/system/health`);
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({
        status: 502,
        title: 'Bad Gateway',
        detail: expect.stringContaining('ECONNREFUSED') as string,
      });
    } finally {
      await orphan.close();
    }
  });

  it('should refuse to start without a web build', async () => {
    await expect(startWebServer({ port: 0, root: path.join(build.parent, 'nothing-here') })).rejects.toThrow(
      'index.html missing',
    );
  });
});
