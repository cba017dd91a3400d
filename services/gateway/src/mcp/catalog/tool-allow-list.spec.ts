import { allowedTools, restrictsTools } from './tool-allow-list';

describe('tool allow-list', () => {
  const gateway = {
    id: 'g',
    slug: 'g',
    name: 'G',
    prefixMode: 'always' as const,
    untrustedContext: false,
    servers: ['a', 'b'],
    tools: { a: ['echo'], b: null },
  };

  it('should keep only the allowed tools of a restricted server and every tool of the others', () => {
    const lists = [
      { server: 'a', items: [{ name: 'echo' }, { name: 'delete' }] },
      { server: 'b', items: [{ name: 'x' }, { name: 'y' }] },
    ];
    expect(allowedTools(gateway, lists)).toEqual([
      { server: 'a', items: [{ name: 'echo' }] },
      { server: 'b', items: [{ name: 'x' }, { name: 'y' }] },
    ]);
    expect(restrictsTools(gateway, 'a')).toBe(true);
    expect(restrictsTools(gateway, 'b')).toBe(false);
    expect(restrictsTools({ ...gateway, tools: undefined }, 'a')).toBe(false);
  });
});
