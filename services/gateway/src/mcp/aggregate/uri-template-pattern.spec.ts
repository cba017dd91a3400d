import { uriTemplatePattern } from './uri-template-pattern';

describe(uriTemplatePattern.name, () => {
  const matches = (template: string, uri: string) => uriTemplatePattern(template)?.test(uri);

  it('should match a simple variable within one path segment', () => {
    expect(matches('test://template/{id}/data', 'test://template/123/data')).toBe(true);
    expect(matches('test://template/{id}/data', 'test://template/a/b/data')).toBe(false);
    expect(matches('test://template/{id}/data', 'test://template/123/other')).toBe(false);
  });

  it('should take the literal parts literally, dots and all', () => {
    expect(matches('file:///logs/{name}.log', 'file:///logs/app.log')).toBe(true);
    expect(matches('file:///logs/{name}.log', 'file:///logs/appXlog')).toBe(false);
  });

  it('should let reserved expansion cross slashes', () => {
    expect(matches('file:///{+path}', 'file:///workspace/a/b.txt')).toBe(true);
  });

  it('should match optional query and path-segment expansions', () => {
    expect(matches('search://items{?q,limit}', 'search://items')).toBe(true);
    expect(matches('search://items{?q,limit}', 'search://items?q=x&limit=2')).toBe(true);
    expect(matches('repo://{owner}{/path*}', 'repo://me/a/b')).toBe(true);
  });

  it('should refuse malformed templates rather than guess', () => {
    expect(uriTemplatePattern('test://{id')).toBeUndefined();
    expect(uriTemplatePattern('test://id}')).toBeUndefined();
    expect(uriTemplatePattern('test://{}')).toBeUndefined();
  });
});
