import { serverDefinitionSchema } from './server-definition.schema';

describe('serverDefinitionSchema', () => {
  const minimal = { id: 'github', command: 'node' };

  it('should fill in safe defaults: no network, ephemeral directory, bounded resources, idle reaping', () => {
    expect(serverDefinitionSchema.parse(minimal)).toEqual({
      id: 'github',
      command: 'node',
      args: [],
      env: {},
      workingDirectory: 'ephemeral',
      readOnlyPaths: [],
      network: 'none',
      memoryLimitBytes: 512 * 1024 * 1024,
      processLimit: 64,
      idleTimeoutMs: 15 * 60_000,
    });
  });

  it('should accept host names, wildcards, addresses and ranges as allowed hosts', () => {
    const network = ['api.github.com', '*.googleapis.com', '10.0.0.7', '10.0.0.0/8', '::1', 'fd00::/8'];
    expect(serverDefinitionSchema.parse({ ...minimal, network }).network).toEqual(network);
  });

  it.each([
    ['an id that cannot name a directory', { id: '../etc' }, 'id'],
    ['an empty command', { command: '' }, 'command'],
    ['a NUL in an argument', { args: ['a\0b'] }, 'args.0'],
    ['an invalid environment name', { env: { 'A-B': 'x' } }, 'env.A-B'],
    ['a relative read-only path', { readOnlyPaths: ['node_modules'] }, 'readOnlyPaths.0'],
    ['a read-only bind over /proc', { readOnlyPaths: ['/proc/1'] }, 'readOnlyPaths.0'],
    ['the host /tmp as a whole', { readOnlyPaths: ['/tmp'] }, 'readOnlyPaths.0'],
    ['an empty host list', { network: [] }, 'network'],
    ['a URL as a host', { network: ['https://example.com'] }, 'network'],
    ['a tiny memory limit', { memoryLimitBytes: 1024 }, 'memoryLimitBytes'],
  ])('should reject %s', (_case, override, path) => {
    const result = serverDefinitionSchema.safeParse({ ...minimal, ...override });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });

  it('should accept a read-only path below /tmp and keep idle reaping off with null', () => {
    const parsed = serverDefinitionSchema.parse({ ...minimal, readOnlyPaths: ['/tmp/pkg'], idleTimeoutMs: null });
    expect(parsed).toMatchObject({ readOnlyPaths: ['/tmp/pkg'], idleTimeoutMs: null });
  });
});
