import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogEntry, CatalogEntryInput } from '../catalog-entry.schema';
import { slugOf } from '../slug';
import { exportServerJson } from './server-json-export';
import { importServerJson, ServerJsonImportError } from './server-json-import';
import { PORTCULLIS_META_KEY } from './portcullis-meta';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, 'fixtures', `${name}.server.json`), 'utf8')) as Record<string, unknown>;

const asEntry = (input: CatalogEntryInput): CatalogEntry => ({
  ...input,
  id: '0190a7a0-0000-7000-8000-000000000001',
  slug: input.slug ?? slugOf(input.name),
  title: input.title ?? null,
  kind: input.server.kind,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  createdBy: 'u1',
  updatedBy: 'u1',
});

/** The export without our own `_meta` namespace: what another registry client sees. */
const published = (doc: Record<string, unknown>) => {
  const { _meta, ...rest } = doc as { _meta?: Record<string, unknown> };
  const others = Object.fromEntries(Object.entries(_meta ?? {}).filter(([k]) => k !== PORTCULLIS_META_KEY));
  return Object.keys(others).length > 0 ? { ...rest, _meta: others } : rest;
};

const importError = (document: unknown, prefer?: 'local' | 'remote') => {
  try {
    importServerJson(document, prefer);
  } catch (error) {
    if (error instanceof ServerJsonImportError) return error.issues;
    throw error;
  }
  throw new Error('import succeeded');
};

describe('server.json import and export', () => {
  it('should import the filesystem server as an npx command with a repeated directory field', () => {
    const entry = importServerJson(fixture('server-filesystem'));
    expect(entry).toMatchObject({
      name: 'io.github.modelcontextprotocol/server-filesystem',
      title: 'Filesystem',
      version: '2025.8.21',
      metadata: { repository: { source: 'github', subfolder: 'src/filesystem' } },
      server: {
        kind: 'local',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-filesystem@2025.8.21', '{allowed_directory}'],
        env: [],
        allowedHosts: [],
        package: { registryType: 'npm', identifier: '@modelcontextprotocol/server-filesystem' },
      },
    });
    expect(entry.userConfig).toEqual([
      expect.objectContaining({
        name: 'allowed_directory',
        required: true,
        secret: false,
        format: 'filepath',
        repeated: true,
      }),
    ]);
  });

  it.each(['server-filesystem', 'weather-remote'])('should export %s exactly as it was published', (name) => {
    const doc = fixture(name);
    expect(published(exportServerJson(asEntry(importServerJson(doc))))).toEqual(doc);
  });

  it('should import the GitHub server from its OCI package, with the token as a secret env field', () => {
    const doc = fixture('github-oci');
    const entry = importServerJson(doc);
    expect(entry.server).toMatchObject({
      kind: 'local',
      command: 'docker',
      args: [
        'run',
        '-i',
        '--rm',
        '-e=GITHUB_PERSONAL_ACCESS_TOKEN',
        'ghcr.io/github/github-mcp-server:0.20.1',
        'stdio',
      ],
      env: [
        { name: 'GITHUB_PERSONAL_ACCESS_TOKEN', value: '{GITHUB_PERSONAL_ACCESS_TOKEN}' },
        { name: 'GITHUB_TOOLSETS', value: '{GITHUB_TOOLSETS}' },
      ],
    });
    expect(entry.userConfig.find((f) => f.name === 'GITHUB_PERSONAL_ACCESS_TOKEN')).toMatchObject({
      required: true,
      secret: true,
    });
    expect(entry.metadata['_meta']).toEqual({
      'io.modelcontextprotocol.registry/publisher-provided': { tool: 'mcp-publisher', version: '1.3.0' },
    });
    const exported = published(exportServerJson(asEntry(entry)));
    const { remotes: _remotes, ...withoutRemotes } = doc;
    expect(exported).toEqual(withoutRemotes);
  });

  it('should import the remote of the same document on request, as bearer auth', () => {
    const doc = fixture('github-oci');
    const entry = importServerJson(doc, 'remote');
    expect(entry.server).toEqual({
      kind: 'remote',
      transport: 'streamable-http',
      url: 'https://api.githubcopilot.com/mcp/',
      headers: [],
      auth: { type: 'bearer', tokenField: 'github_token' },
    });
    const exported = exportServerJson(asEntry(entry));
    expect(exported.remotes).toEqual(doc['remotes']);
    expect(exported.packages).toBeUndefined();
  });

  it('should map header credentials and URL variables of a remote server', () => {
    const entry = importServerJson(fixture('weather-remote'));
    expect(entry.server).toMatchObject({
      kind: 'remote',
      url: 'https://{region}.mcp.weather.example.com/v3/mcp',
      headers: [
        { name: 'X-Api-Key', value: '{X-Api-Key}' },
        { name: 'X-Units', value: 'metric' },
      ],
      auth: { type: 'header', fields: ['X-Api-Key'] },
    });
    expect(entry.userConfig.map((f) => [f.name, f.required, f.secret])).toEqual([
      ['region', true, false],
      ['X-Api-Key', true, true],
    ]);
  });

  it('should re-import its own export of a hand-made entry without losing anything', () => {
    const original = asEntry({
      name: 'internal-search',
      slug: 'search',
      title: 'Internal search',
      description: 'x'.repeat(150),
      version: '1.0.0',
      tags: ['search', 'internal'],
      newToolsNeedApproval: false,
      userConfig: [
        { name: 'INDEX', title: 'Index', required: true, secret: false, format: 'string', repeated: false },
        { name: 'TOKEN', required: true, secret: true, format: 'string', repeated: false },
      ],
      server: {
        kind: 'local',
        command: '/opt/search/bin/search-mcp',
        args: ['--index={INDEX}', '--verbose'],
        env: [{ name: 'SEARCH_TOKEN', value: '{TOKEN}' }],
        allowedHosts: ['search.internal:443', '*.corp.example.com'],
        limits: { memoryMb: 512, cpus: 0.5, processes: 16 },
      },
      metadata: {},
    });
    const exported = exportServerJson(original);
    expect(exported.name).toBe('local.portcullis/internal-search');
    expect(exported.description).toHaveLength(100);
    const again = asEntry(importServerJson(JSON.parse(JSON.stringify(exported))));
    expect(again).toEqual(original);
  });

  it('should keep an OAuth remote through export and import', () => {
    const original = asEntry(
      importServerJson({
        name: 'com.example/crm',
        description: 'CRM',
        version: '2.0.0',
        remotes: [{ type: 'sse', url: 'https://crm.example.com/sse' }],
        _meta: { [PORTCULLIS_META_KEY]: { auth: { type: 'oauth', scopes: ['crm.read'] } } },
      }),
    );
    expect(original.server).toMatchObject({
      kind: 'remote',
      transport: 'sse',
      auth: { type: 'oauth', scopes: ['crm.read'] },
    });
    expect(asEntry(importServerJson(JSON.parse(JSON.stringify(exportServerJson(original)))))).toEqual(original);
  });

  it('should name the field of an invalid document', () => {
    const doc = fixture('server-filesystem');
    expect(importError({ ...doc, name: 'no-slash' })).toEqual([
      expect.objectContaining({ field: 'name', message: expect.stringContaining('reverse-DNS') as unknown }),
    ]);
    expect(importError({ ...doc, description: undefined })).toEqual([
      expect.objectContaining({ field: 'description' }),
    ]);
    const packages = doc['packages'] as Record<string, unknown>[];
    expect(importError({ ...doc, packages: [{ ...packages[0], version: 'latest' }] })).toEqual([
      expect.objectContaining({ field: 'packages.0.version', message: 'must be a specific version, not "latest"' }),
    ]);
    expect(
      importError({ ...doc, packages: [{ ...packages[0], transport: { type: 'carrier-pigeon' } }] })[0].field,
    ).toBe('packages.0.transport.type');
    expect(importError({ ...doc, packages: [{ ...packages[0], registryType: 'nuget' }] })).toEqual([
      { field: 'packages', message: 'has no stdio package from npm, pypi or oci, and there are no remotes' },
    ]);
    expect(importError({ ...doc, packages: undefined })[0].field).toBe('remotes');
    expect(importError(doc, 'remote')).toEqual([
      { field: 'remotes', message: 'has no remote to import (prefer=remote)' },
    ]);
    expect(importError('not json object')[0].field).toBe('');
  });

  it('should pass unknown fields through', () => {
    const doc = { ...fixture('weather-remote'), icons: [{ src: 'https://weather.example.com/icon.png' }], x_custom: 1 };
    const exported = published(exportServerJson(asEntry(importServerJson(doc))));
    expect(exported).toEqual(doc);
  });
});
