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
});
