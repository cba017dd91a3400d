import { serverDefinitionSchema } from '../server-definition.schema';
import type { SystemMount } from './host-layout';
import { sandboxCommand, type SandboxCommandInput } from './sandbox-command';
import type { SandboxTools } from './sandbox-tools';

const tools: SandboxTools = {
  bwrap: '/usr/bin/bwrap',
  prlimit: '/usr/bin/prlimit',
  sh: '/bin/sh',
  setpriv: '/usr/bin/setpriv',
  disableUserns: true,
};
const layout: SystemMount[] = [
  { kind: 'ro-bind', path: '/usr' },
  { kind: 'symlink', path: '/bin', target: 'usr/bin' },
];

function build(overrides: Partial<SandboxCommandInput> = {}, definition: Record<string, unknown> = {}) {
  return sandboxCommand({
    definition: serverDefinitionSchema.parse({
      id: 'notes',
      command: '/srv/node/bin/node',
      args: ['server.js', '--root', '/workspace'],
      env: { API_TOKEN: 's3cret' },
      readOnlyPaths: ['/srv/app'],
      ...definition,
    }),
    workdir: '/var/lib/portcullis/instances/i1',
    tools,
    layout,
    prefix: [],
    rlimits: [],
    ...overrides,
  });
}

/** The arguments of bwrap up to the command, as pairs and flags in order. */
function bwrapArgs(args: string[]): string[] {
  return args.slice(args.indexOf(tools.bwrap) + 1, args.lastIndexOf('--'));
}

describe('sandboxCommand', () => {
  it('should chain prlimit, setpriv and bwrap, and end with the server command', () => {
    const { file, args } = build({ identity: { uid: 2_100_000_003, gid: 2_100_000_003 } });
    expect(file).toBe('/usr/bin/prlimit');
    expect(args.slice(0, 9)).toEqual([
      '--core=0',
      '--',
      '/usr/bin/setpriv',
      '--reuid=2100000003',
      '--regid=2100000003',
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '/usr/bin/bwrap',
    ]);
    expect(args.slice(-5)).toEqual(['--', '/srv/node/bin/node', 'server.js', '--root', '/workspace']);
  });

  it('should unshare every namespace, network included, and tie the sandbox to the orchestrator', () => {
    const args = bwrapArgs(build().args);
    expect(args.slice(0, 6)).toEqual([
      '--unshare-user',
      '--disable-userns',
      '--unshare-all',
      '--die-with-parent',
      '--new-session',
      '--hostname',
    ]);
    expect(args).not.toContain('--share-net');
  });

  it('should share the host network only when the definition allows hosts', () => {
    expect(bwrapArgs(build({}, { network: ['api.github.com'] }).args)).toContain('--share-net');
  });

  it('should mount the system read-only, the server paths read-only and only its own directory writable', () => {
    const args = bwrapArgs(build().args).join(' ');
    expect(args).toContain('--ro-bind /usr /usr --symlink usr/bin /bin');
    expect(args).toContain('--ro-bind-try /etc/resolv.conf /etc/resolv.conf');
    expect(args).toContain('--proc /proc --dev /dev');
    expect(args).toContain('--ro-bind /srv/app /srv/app --ro-bind /srv/node/bin/node /srv/node/bin/node');
    expect(args).toContain(`--size ${512 * 1024 * 1024} --tmpfs /tmp`);
    expect(args).toContain('--tmpfs /home/mcp');
    expect(args).toContain('--bind /var/lib/portcullis/instances/i1 /workspace --chdir /workspace');
    expect(args.match(/--bind /g)).toHaveLength(1);
    // Declared paths go on top of the private /tmp (a checkout under /tmp stays visible), the working directory last.
    expect(args.indexOf('--tmpfs /tmp')).toBeLessThan(args.indexOf('--ro-bind /srv/app'));
    expect(args.indexOf('--ro-bind /srv/app')).toBeLessThan(args.indexOf('--bind /var/lib/portcullis/instances/i1'));
  });

  it('should pass the environment as the environment only, never in the world-readable arguments', () => {
    const { args, env } = build();
    expect(env).toEqual({
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: '/home/mcp',
      TMPDIR: '/tmp',
      LANG: 'C.UTF-8',
      API_TOKEN: 's3cret',
    });
    expect(args.join(' ')).not.toContain('s3cret');
  });

  it('should run the limits prefix first and pass rlimits to prlimit', () => {
    const { file, args } = build({ prefix: ['/bin/sh', '-c', 'join', 'x'], rlimits: ['--nproc=32'] });
    expect(file).toBe('/bin/sh');
    expect(args.slice(0, 6)).toEqual(['-c', 'join', 'x', '/usr/bin/prlimit', '--core=0', '--nproc=32']);
  });

  it('should not mount a command that is looked up on PATH or already visible', () => {
    expect(bwrapArgs(build({}, { command: 'python3' }).args)).not.toContain('python3');
    const args = bwrapArgs(build({}, { command: '/usr/bin/node' }).args).join(' ');
    expect(args).not.toContain('--ro-bind /usr/bin/node');
  });
});
