import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';

type ServiceDef = { name: string; port: number; schema: string | null; redis: boolean; publicHttp: boolean };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS shared with the launcher
const { SERVICES, WEB_PORT } = require('./lib/services.cjs') as { SERVICES: ServiceDef[]; WEB_PORT: number };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS
const { which } = require('./bootstrap.cjs') as { which: (bin: string) => string | null };

const COMPOSE_FILE = path.join(__dirname, '..', 'docker-compose.yml');
const ADMIN_TOKEN = `pc_admin_${'a'.repeat(43)}`;
const REGISTRY_SECRET_KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

/** The Compose CLI: the docker plugin where there is one, else docker-compose (Debian's package). */
function composeCommand(): string[] {
  if (spawnSync('docker', ['compose', 'version']).status === 0) return ['docker', 'compose'];
  const standalone = which('docker-compose');
  if (!standalone) throw new Error('no Compose CLI: install docker-compose (npm test installs it)');
  return [standalone];
}

/** `compose config`: validates the file against the Compose schema and prints it resolved. */
function composeConfig(file: string, env: Record<string, string | undefined>) {
  const [cmd, ...args] = composeCommand();
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => k !== 'ADMIN_TOKEN' && k !== 'REGISTRY_SECRET_KEYS' && !k.startsWith('COMPOSE_'),
    ),
  );
  return spawnSync(cmd, [...args, '-f', file, '-p', 'portcullis', 'config'], {
    encoding: 'utf8',
    cwd: path.dirname(file),
    env: { ...clean, ...env },
  });
}

type ComposeService = {
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  ports?: unknown[];
  command?: string[];
};

describe('docker-compose.yml', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-spec-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A copy of the compose file with one edit, next to the real one's build context. */
  function broken(edit: (text: string) => string) {
    const original = fs.readFileSync(COMPOSE_FILE, 'utf8');
    const changed = edit(original);
    expect(changed).not.toBe(original);
    const file = path.join(tmp, `compose-${Math.random().toString(36).slice(2)}.yml`);
    fs.writeFileSync(file, changed);
    return file;
  }

  it('should pass the Compose validator', () => {
    const res = composeConfig(COMPOSE_FILE, { ADMIN_TOKEN, REGISTRY_SECRET_KEYS });
    expect(res.stderr).not.toMatch(/invalid|error/i);
    expect(res.status).toBe(0);
  });

  it('should refuse to run without ADMIN_TOKEN, saying what to set', () => {
    const res = composeConfig(COMPOSE_FILE, { REGISTRY_SECRET_KEYS });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('set ADMIN_TOKEN to a secret of at least 32 characters');
  });

  it('should refuse to run without REGISTRY_SECRET_KEYS, saying what to set', () => {
    const res = composeConfig(COMPOSE_FILE, { ADMIN_TOKEN });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('set REGISTRY_SECRET_KEYS to an id and 32 random bytes in base64');
  });

  it('should be rejected by the validator when broken', () => {
    const misspelt = broken((t) => t.replace('  redis:\n    image:', '  redis:\n    imag:'));
    expect(composeConfig(misspelt, { ADMIN_TOKEN, REGISTRY_SECRET_KEYS }).status).not.toBe(0);
    const badCondition = broken((t) => t.replace('condition: service_healthy', 'condition: healthy'));
    expect(composeConfig(badCondition, { ADMIN_TOKEN, REGISTRY_SECRET_KEYS }).status).not.toBe(0);
  });

  describe('resolved', () => {
    let services: Record<string, ComposeService>;

    beforeAll(() => {
      const res = composeConfig(COMPOSE_FILE, { ADMIN_TOKEN, REGISTRY_SECRET_KEYS });
      services = (parse(res.stdout) as { services: Record<string, ComposeService> }).services;
    });

    it.each(SERVICES.map((s) => [s.name, s]))('should run %s like services.cjs describes it', (_name, def) => {
      const svc = services[def.name];
      expect(svc.environment).toMatchObject({
        SERVICE: def.name,
        HTTP_PORT: String(def.port),
        NATS_URL: 'nats://nats:4222',
      });
      expect(svc.environment?.DATABASE_SCHEMA).toBe(def.schema ?? undefined);
      expect(Boolean(svc.environment?.DATABASE_URL)).toBe(def.schema !== null);
      expect(Boolean(svc.environment?.REDIS_URL)).toBe(def.redis);
      expect(svc.healthcheck?.test.join(' ')).toContain('/ready');
      expect(svc.depends_on).toEqual({
        nats: { condition: 'service_healthy' },
        ...(def.schema ? { postgres: { condition: 'service_healthy' } } : {}),
        ...(def.redis ? { redis: { condition: 'service_healthy' } } : {}),
      });
      expect(Boolean(svc.ports?.length)).toBe(def.publicHttp);
    });

    it('should give the gateway the admin token', () => {
      expect(services.gateway.environment?.ADMIN_TOKEN).toBe(ADMIN_TOKEN);
    });

    it('should give the registry its secret keys', () => {
      expect(services.registry.environment?.REGISTRY_SECRET_KEYS).toBe(REGISTRY_SECRET_KEYS);
    });

    it('should serve the web console from the same image once the gateway is healthy', () => {
      expect(services.web.command).toEqual(['node', 'scripts/serve-web.cjs']);
      expect(services.web.environment).toMatchObject({
        WEB_PORT: String(WEB_PORT),
        GATEWAY_URL: 'http://gateway:3000',
      });
      expect(services.web.depends_on).toEqual({ gateway: { condition: 'service_healthy' } });
    });

    it('should health-check the infrastructure', () => {
      for (const name of ['nats', 'postgres', 'redis'])
        expect(services[name].healthcheck?.test.length).toBeGreaterThan(1);
      expect(services.nats.healthcheck?.test.join(' ')).toContain(':8222/healthz');
    });
  });
});
