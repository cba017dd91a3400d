import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

type ServiceDef = { name: string; port: number; schema: string | null; redis: boolean; publicHttp: boolean };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS shared with the launcher
const { SERVICES } = require('./lib/services.cjs') as { SERVICES: ServiceDef[]; WEB_PORT: number };

// The Kustomize files are written by hand; these checks keep them in step with services.cjs and with each
// other (every Secret key a Deployment reads is provided by the dev overlay and documented in the example).

const DEPLOY = path.join(__dirname, '..', 'deploy');

type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type Probe = { httpGet?: { path: string; port: string | number } };
type Container = {
  name: string;
  env?: EnvVar[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  envFrom?: { configMapRef?: { name: string } }[];
};
type Manifest = {
  kind: string;
  metadata: { name: string };
  spec?: {
    template?: { metadata: { annotations?: Record<string, string> }; spec: { containers: Container[] } };
    ports?: { port: number; targetPort: string | number }[];
    selector?: Record<string, unknown>;
  };
};

const readYaml = (file: string) =>
  parseAllDocuments(fs.readFileSync(file, 'utf8')).map((doc) => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    return doc.toJS() as unknown;
  });

function kustomization(dir: string) {
  return readYaml(path.join(DEPLOY, dir, 'kustomization.yaml'))[0] as {
    resources: string[];
    secretGenerator?: { name: string; literals: string[] }[];
    configMapGenerator?: { name: string; literals: string[] }[];
  };
}

function manifests(dir: string): Manifest[] {
  return kustomization(dir)
    .resources.filter((r) => r.endsWith('.yaml'))
    .flatMap((r) => readYaml(path.join(DEPLOY, dir, r)) as Manifest[]);
}

const secretKeys = (list: Manifest[]) =>
  new Set(
    list.flatMap((m) =>
      (m.spec?.template?.spec.containers ?? []).flatMap((c) =>
        (c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.key] : [])),
      ),
    ),
  );

describe('deploy/ (Kustomize)', () => {
  const base = manifests('base');
  const find = (kind: string, name: string) => base.find((m) => m.kind === kind && m.metadata.name === name);

  it('should list only files that exist', () => {
    for (const dir of ['base', 'overlays/dev']) {
      for (const resource of kustomization(dir).resources)
        expect(fs.existsSync(path.join(DEPLOY, dir, resource))).toBe(true);
    }
  });

  describe.each(SERVICES.map((s) => [s.name, s]))('%s', (_name, def) => {
    const deployment = find('Deployment', def.name);
    const container = deployment?.spec?.template?.spec.containers[0];
    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e]));

    it('should have a Deployment running the service on its port', () => {
      expect(env.SERVICE?.value).toBe(def.name);
      expect(env.HTTP_PORT?.value).toBe(String(def.port));
      expect(container?.ports).toEqual([{ name: 'http', containerPort: def.port }]);
      expect(container?.envFrom).toEqual([{ configMapRef: { name: 'portcullis-common' } }]);
    });

    it('should probe /health for liveness and /ready for readiness', () => {
      expect(container?.livenessProbe?.httpGet?.path).toBe('/health');
      expect(container?.startupProbe?.httpGet?.path).toBe('/health');
      expect(container?.readinessProbe?.httpGet?.path).toBe('/ready');
    });

    it('should be scraped by Prometheus on /metrics', () => {
      expect(deployment?.spec?.template?.metadata.annotations).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(def.port),
        'prometheus.io/path': '/metrics',
      });
    });

    it('should get its database, Redis and admin token exactly when it needs them', () => {
      expect(env.DATABASE_SCHEMA?.value).toBe(def.schema ?? undefined);
      expect(env.DATABASE_URL?.valueFrom?.secretKeyRef?.name === 'portcullis-secrets').toBe(def.schema !== null);
      expect(env.REDIS_URL?.valueFrom?.secretKeyRef?.name === 'portcullis-secrets').toBe(def.redis);
      expect(Boolean(env.ADMIN_TOKEN)).toBe(def.name === 'gateway');
    });

    it('should have a Service on its port', () => {
      expect(find('Service', def.name)?.spec?.ports).toEqual([{ name: 'http', port: def.port, targetPort: 'http' }]);
    });
  });

  it('should serve the web console from the same image', () => {
    const web = find('Deployment', 'web')?.spec?.template?.spec.containers[0];
    expect(web).toMatchObject({ image: 'portcullis', command: ['node', 'scripts/serve-web.cjs'] });
  });

  it('should provide, in the dev overlay, every Secret key the Deployments read', () => {
    const dev = kustomization('overlays/dev');
    const provided = new Set(
      (dev.secretGenerator ?? [])
        .filter((g) => g.name === 'portcullis-secrets')
        .flatMap((g) => g.literals.map((l) => l.split('=')[0])),
    );
    const needed = secretKeys([...base, ...manifests('overlays/dev')]);
    expect([...needed].filter((k) => !provided.has(k))).toEqual([]);
  });

  it('should document every Secret key the base reads in secret.example.yaml', () => {
    const [example] = readYaml(path.join(DEPLOY, 'base', 'secret.example.yaml')) as {
      stringData: Record<string, string>;
    }[];
    expect(Object.keys(example.stringData).sort()).toEqual([...secretKeys(base)].sort());
  });
});
