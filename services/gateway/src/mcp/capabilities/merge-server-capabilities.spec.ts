import { mergeServerCapabilities } from './merge-server-capabilities';

describe(mergeServerCapabilities.name, () => {
  it('should advertise a feature when any server has it', () => {
    expect(mergeServerCapabilities([{ tools: {} }, { prompts: {} }, { resources: {} }, { logging: {} }])).toEqual({
      tools: {},
      prompts: {},
      resources: {},
      logging: {},
    });
  });

  it('should set listChanged and subscribe when any server supports them', () => {
    const merged = mergeServerCapabilities([
      { tools: { listChanged: false }, resources: { subscribe: true } },
      { tools: { listChanged: true }, resources: { listChanged: true, subscribe: false } },
      { prompts: { listChanged: true } },
    ]);
    expect(merged).toEqual({
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
    });
  });

  it('should not advertise what no server has', () => {
    expect(mergeServerCapabilities([{ tools: {} }, { tools: { listChanged: false } }])).toEqual({
      tools: { listChanged: false },
    });
    expect(mergeServerCapabilities([])).toEqual({});
  });

  it('should merge experimental, extensions and tasks key by key', () => {
    const merged = mergeServerCapabilities([
      { experimental: { a: { x: 1 } }, extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: ['text/html'] } } },
      {
        experimental: { b: {} },
        extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: ['text/html', 'text/html+skybridge'] } },
        tasks: { list: {}, requests: { tools: { call: {} } } },
      },
    ]);
    expect(merged).toEqual({
      experimental: { a: { x: 1 }, b: {} },
      extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: ['text/html', 'text/html+skybridge'] } },
      tasks: { list: {}, requests: { tools: { call: {} } } },
    });
  });

  it('should keep the first server’s value when two servers disagree on a setting', () => {
    expect(
      mergeServerCapabilities([{ experimental: { x: { mode: 'a' } } }, { experimental: { x: { mode: 'b' } } }]),
    ).toEqual({ experimental: { x: { mode: 'a' } } });
  });

  it('should let the gateway add its own capabilities as one more entry', () => {
    expect(mergeServerCapabilities([{ tools: {} }, undefined, { tools: { listChanged: true } }])).toEqual({
      tools: { listChanged: true },
    });
  });

  it('should ignore malformed entries and keep the richer form of a malformed feature', () => {
    const malformed = [null, 'tools', 42, ['x']] as unknown as Record<string, unknown>[];
    expect(mergeServerCapabilities([...malformed, { tools: true }, { tools: { listChanged: true } }])).toEqual({
      tools: { listChanged: true },
    });
  });

  it('should not let upstream JSON reach the prototype of the result', () => {
    const hostile = JSON.parse(
      '{"__proto__": {"polluted": true}, "tools": {"__proto__": {"polluted": true}}}',
    ) as Record<string, unknown>;
    const merged = mergeServerCapabilities([hostile]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect((merged as { polluted?: unknown }).polluted).toBeUndefined();
    expect((merged.tools as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('should not alias the servers’ objects', () => {
    const upstream = { tools: { listChanged: true }, experimental: { a: { list: [1] } } };
    const merged = mergeServerCapabilities([upstream]);
    (merged.tools as Record<string, unknown>).listChanged = false;
    expect(upstream.tools.listChanged).toBe(true);
    expect(merged.experimental).not.toBe(upstream.experimental);
  });
});
