import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PortcullisFileIssue, formatPortcullisFileIssues, parsePortcullisFile } from './parse-portcullis-file';

function issuesOf(text: string): readonly PortcullisFileIssue[] {
  const parsed = parsePortcullisFile(text);
  if (parsed.ok) throw new Error('expected issues');
  return parsed.issues;
}

const minimal = (servers: string, gateways = '') =>
  `version: 1\nservers:\n${servers}\ngateways:\n${gateways || '  []'}\n`;

describe(parsePortcullisFile.name, () => {
  it('should parse the example file: three servers on the gateway default', () => {
    const parsed = parsePortcullisFile(readFileSync(join(__dirname, 'portcullis.example.yaml'), 'utf8'));
    if (!parsed.ok) throw new Error(formatPortcullisFileIssues(parsed.issues));
    expect(parsed.config.servers.map((s) => s.id)).toEqual(['everything', 'filesystem', 'memory']);
    expect(parsed.config.gateways).toEqual([
      {
        id: 'default',
        slug: 'default',
        name: 'Default',
        description: 'Every server above, behind one endpoint at /v1/mcp/default.',
        prefixMode: 'always',
        servers: ['everything', 'filesystem', 'memory'],
        untrustedContext: false,
      },
    ]);
    expect(parsed.config.servers[0].runtime).toEqual({
      type: 'local',
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-everything'],
      env: {},
      network: { allow: ['registry.npmjs.org'] },
      limits: { memoryMb: 256, idleTimeoutSeconds: 600 },
    });
  });

  it('should fill in defaults', () => {
    const parsed = parsePortcullisFile(
      minimal(
        '  - id: docs\n    name: Docs\n    runtime: { type: remote, url: "https://mcp.example.com/mcp" }',
        '  - { id: team-a, name: Team A, servers: [docs] }',
      ),
    );
    if (!parsed.ok) throw new Error(formatPortcullisFileIssues(parsed.issues));
    expect(parsed.config.servers[0].runtime).toEqual({
      type: 'remote',
      url: 'https://mcp.example.com/mcp',
      transport: 'streamable-http',
      headers: {},
    });
    expect(parsed.config.gateways[0]).toMatchObject({ slug: 'team-a', prefixMode: 'always', untrustedContext: false });
  });

  it('should read YAML scalars in env and headers as the text they spell', () => {
    const parsed = parsePortcullisFile(
      minimal(
        [
          '  - id: a',
          '    name: A',
          '    runtime: { type: local, command: node, env: { DEBUG: true, PORT: 3000 } }',
          '  - id: b',
          '    name: B',
          '    runtime: { type: remote, url: "http://mcp.internal:8080/", transport: sse, headers: { X-Tenant: 42 } }',
        ].join('\n'),
      ),
    );
    if (!parsed.ok) throw new Error(formatPortcullisFileIssues(parsed.issues));
    expect(parsed.config.servers[0].runtime).toMatchObject({ env: { DEBUG: 'true', PORT: '3000' } });
    expect(parsed.config.servers[1].runtime).toMatchObject({ transport: 'sse', headers: { 'X-Tenant': '42' } });
  });

  it('should list every bad path with its line and column', () => {
    const text = [
      'version: 1', //                                    1
      'servers:', //                                      2
      '  - id: Bad_Id', //                                3
      '    name: Broken', //                              4
      '    runtime:', //                                  5
      '      type: local', //                             6
      '      command: ""', //                             7
      '      limits: { memoryMb: 1 }', //                 8
      '  - id: remote-one', //                            9
      '    name: Remote', //                              10
      '    runtime:', //                                  11
      '      type: remote', //                            12
      '      url: ftp://files.example.com', //            13
      '      transport: websocket', //                    14
      'gateways:', //                                     15
      '  - id: default', //                               16
      '    name: Default', //                             17
      '    prefixmode: never', //                         18
      '    untrustedContext: maybe', //                   19
    ].join('\n');
    expect(issuesOf(text).map(({ path, line, column }) => ({ path, line, column }))).toEqual([
      { path: 'servers[0].id', line: 3, column: 9 },
      { path: 'servers[0].runtime.command', line: 7, column: 16 },
      { path: 'servers[0].runtime.limits.memoryMb', line: 8, column: 27 },
      { path: 'servers[1].runtime.url', line: 13, column: 12 },
      { path: 'servers[1].runtime.transport', line: 14, column: 18 },
      { path: 'gateways[0].prefixmode', line: 18, column: 5 },
      { path: 'gateways[0].untrustedContext', line: 19, column: 23 },
    ]);
  });

  it('should point a missing key at the object that lacks it', () => {
    const issues = issuesOf(minimal('  - id: a\n    runtime: { type: local, command: node }'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'servers[0].name', line: 3, column: 5 });
  });

  it('should point a key written without a value at the key', () => {
    const issues = issuesOf(minimal('  - id: a\n    name: A\n    runtime:\n      type: local\n      command:'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'servers[0].runtime.command', line: 7, column: 7 });
  });

  it('should report unknown servers, duplicates and double assignments once the shape is right', () => {
    const servers = [
      '  - { id: a, name: A, runtime: { type: local, command: x } }',
      '  - { id: a, name: A2, runtime: { type: local, command: y } }',
    ];
    const gateways = [
      '  - { id: g, name: G, servers: [a, ghost, a] }',
      '  - { id: h, slug: g, name: H }',
      '  - { id: g, slug: other, name: G again }',
    ];
    const issues = issuesOf(minimal(servers.join('\n'), gateways.join('\n')));
    expect(issues.map(({ path, message, line }) => ({ path, message, line }))).toEqual([
      { path: 'servers[1].id', message: 'duplicate server id "a"', line: 4 },
      { path: 'gateways[0].servers[1]', message: 'unknown server "ghost"', line: 6 },
      { path: 'gateways[0].servers[2]', message: 'server "a" is assigned twice', line: 6 },
      { path: 'gateways[1].slug', message: 'duplicate gateway slug "g"', line: 7 },
      { path: 'gateways[2].id', message: 'duplicate gateway id "g"', line: 8 },
    ]);
  });

  it('should refuse header values with line breaks and invalid header or env names', () => {
    const issues = issuesOf(
      minimal(
        [
          '  - id: a',
          '    name: A',
          '    runtime: { type: remote, url: "https://x.example", headers: { "X-A": "v\\r\\nInjected: 1", "Bad Header": v } }',
          '  - id: b',
          '    name: B',
          '    runtime: { type: local, command: x, env: { "1BAD": v }, network: { allow: ["http://x.example"] } }',
        ].join('\n'),
      ),
    );
    expect(issues.map((issue) => issue.path)).toEqual([
      'servers[0].runtime.headers.X-A',
      'servers[0].runtime.headers.Bad Header',
      'servers[1].runtime.env.1BAD',
      'servers[1].runtime.network.allow[0]',
    ]);
  });

  it('should require the format version', () => {
    expect(issuesOf('servers: []\n')).toHaveLength(1);
    expect(issuesOf('servers: []\n')[0]).toMatchObject({ path: 'version', line: 1, column: 1 });
    expect(issuesOf('version: 2\n')[0]).toMatchObject({ path: 'version', line: 1, column: 10 });
  });

  it('should report YAML syntax errors and duplicate keys with their line', () => {
    expect(issuesOf('version: 1\nservers: [\n  - a\n')[0]).toMatchObject({ path: '', line: 3, column: 3 });
    expect(issuesOf('version: 1\nversion: 1\n')).toEqual([
      { path: '', message: 'Map keys must be unique', line: 2, column: 1 },
    ]);
  });

  it('should refuse a document that is not a mapping', () => {
    expect(issuesOf('')[0]).toMatchObject({ path: '' });
    expect(issuesOf('- a\n- b\n')[0]).toMatchObject({ path: '', line: 1 });
  });

  it('should refuse an alias bomb instead of expanding it', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
    ].join('\n');
    const issues = issuesOf(bomb);
    expect(issues).toHaveLength(1);
    expect(issues[0].message).toMatch(/alias/i);
  });
});

describe(formatPortcullisFileIssues.name, () => {
  it('should print one line per issue with file, line and path', () => {
    expect(
      formatPortcullisFileIssues([
        { path: 'servers[0].id', message: 'bad', line: 3, column: 9 },
        { path: '', message: 'broken' },
      ]),
    ).toBe('portcullis.yaml:3:9 servers[0].id: bad\nportcullis.yaml (document): broken');
  });
});
