import { AggregateView } from './aggregate-view';

describe(AggregateView.name, () => {
  const lists = (servers: { server: string; resources?: string[]; templates?: string[] }[]) => ({
    tools: servers.map(({ server }) => ({ server, items: [] })),
    prompts: servers.map(({ server }) => ({ server, items: [] })),
    resources: servers.map(({ server, resources = [] }) => ({ server, items: resources.map((uri) => ({ uri })) })),
    resourceTemplates: servers.map(({ server, templates = [] }) => ({
      server,
      items: templates.map((uriTemplate) => ({ uriTemplate, name: uriTemplate })),
    })),
  });

  it('should route a listed URI to the server that lists it', () => {
    const view = AggregateView.build('always', lists([{ server: 'a', resources: ['x://1'] }, { server: 'b' }]));
    expect(view.serverOfResource('x://1')).toBe('a');
  });

  it('should route a URI no server lists to the server whose template it matches', () => {
    const view = AggregateView.build(
      'always',
      lists([
        { server: 'a', templates: ['notes://{id}'] },
        { server: 'b', templates: ['test://template/{id}/data'] },
      ]),
    );
    expect(view.serverOfResource('test://template/123/data')).toBe('b');
    expect(view.serverOfResource('notes://7')).toBe('a');
    expect(view.serverOfResource('other://thing')).toBeUndefined();
  });

  it('should leave any URI to the only server of a single-server gateway, listed or not', () => {
    const view = AggregateView.build('never', lists([{ server: 'files', resources: ['file:///a'] }]));
    expect(view.serverOfResource('file:///workspace/unlisted.txt')).toBe('files');
  });

  it('should name the reason for a tool a worker withheld, by the names a client would call it', () => {
    const reason = 'tool "greet" is withheld: its definition changed since it was approved, and waits for re-approval';
    const build = (mode: 'always' | 'never') =>
      AggregateView.build(mode, {
        ...lists([{ server: 'a' }, { server: 'b' }]),
        tools: [
          { server: 'a', items: [{ name: 'add' }], withheld: [{ name: 'greet', reason }] },
          { server: 'b', items: [{ name: 'greet' }] },
        ],
      });
    const always = build('always');
    expect(always.withheldReason('a__greet')).toBe(reason);
    expect(always.withheldReason('greet')).toBeUndefined();
    expect(always.withheldReason('a__add')).toBeUndefined();
    expect(always.toolNames.resolve('a__greet')).toBeUndefined();
    // Without prefixes, b's greet is served under that name: it is no reason to refuse it.
    expect(build('never').withheldReason('greet')).toBeUndefined();
    expect(build('never').withheldReason('a__greet')).toBe(reason);
  });
});
