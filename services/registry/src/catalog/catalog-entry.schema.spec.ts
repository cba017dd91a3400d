import { catalogEntryInput } from './catalog-entry.schema';

const base = {
  name: 'search',
  version: '1.0.0',
  userConfig: [{ name: 'TOKEN', secret: true }],
  server: {
    kind: 'remote',
    transport: 'sse',
    url: 'https://{tenant}.example.com/sse',
    auth: { type: 'bearer', tokenField: 'TOKEN' },
  },
};
const problems = (input: unknown) => {
  const result = catalogEntryInput.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('catalogEntryInput', () => {
  it('should fill defaults, newToolsNeedApproval included', () => {
    const entry = catalogEntryInput.parse({ ...base, userConfig: [...base.userConfig, { name: 'tenant' }] });
    expect(entry).toMatchObject({ newToolsNeedApproval: true, tags: [], description: '', metadata: {} });
    expect(entry.userConfig[0]).toEqual({
      name: 'TOKEN',
      secret: true,
      required: false,
      format: 'string',
      repeated: false,
    });
  });

  it('should name placeholders and auth fields that are not user-config fields', () => {
    expect(problems({ ...base, userConfig: [] })).toEqual([
      'server.url: uses "tenant", which is not a userConfig field',
      'server.auth.tokenField: uses "TOKEN", which is not a userConfig field',
    ]);
  });

  it('should refuse duplicate fields, defaults outside the choices, bad hosts and env names', () => {
    expect(
      problems({
        ...base,
        userConfig: [
          { name: 'TOKEN', secret: true },
          { name: 'tenant', choices: ['a'], default: 'b' },
          { name: 'tenant' },
        ],
      }),
    ).toEqual(['userConfig.1.default: must be one of the choices', 'userConfig.2.name: "tenant" is defined twice']);
    const local = {
      name: 'x',
      version: '1',
      server: { kind: 'local', command: 'x', allowedHosts: ['bad host'], env: [{ name: '1X', value: '' }] },
    };
    expect(problems(local).map((p) => p.split(':')[0])).toEqual(['server.env.0.name', 'server.allowedHosts.0']);
  });
});
