import { join } from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import { apiRoutes } from '../http/api-route';
import { RegistryModule } from '../registry.module';
import { buildOpenApiDocument } from './openapi-document';
import { type Operation, operationPattern, testSources, untestedOperations } from './route-test-coverage';

const REPO = join(__dirname, '..', '..', '..', '..');
// Importing the module loads every controller, so every @ApiRoute of the registry is declared.
const document = (): Record<string, unknown> => (RegistryModule ? buildOpenApiDocument(apiRoutes(), '0.1.0') : {});
const operationsOf = (doc: Record<string, unknown>): Operation[] =>
  Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({ method, path })),
  );

describe('registry OpenAPI document', () => {
  it('should be a valid OpenAPI 3.1 document', async () => {
    const doc = document();
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? '' : compileErrors(result)).toBe('');
    expect(result.warnings).toEqual([]);
    expect(result.specification).toBe('OpenAPI');
  });

  it('should describe each route with its parameters, body schema, permission and problem answers', () => {
    const doc = document() as { paths: Record<string, Record<string, Record<string, unknown>>> };
    const createUser = doc.paths['/api/v1/users'].post;
    expect(createUser['x-permission']).toBe('users:write');
    expect(createUser.requestBody).toMatchObject({
      content: { 'application/json': { schema: { required: expect.arrayContaining(['email', 'name']) as unknown } } },
    });
    expect(Object.keys(createUser.responses as object)).toEqual(expect.arrayContaining(['201', '400', '401', '403']));
    const getUser = doc.paths['/api/v1/users/{userId}'].get;
    expect(getUser.parameters).toEqual([
      { name: 'userId', in: 'path', required: true, schema: expect.objectContaining({ format: 'uuid' }) as unknown },
    ]);
    expect(doc.paths['/api/v1/auth/login'].post.security).toEqual([]);
    const list = doc.paths['/api/v1/users'].get.parameters as { name: string; required: boolean }[];
    expect(list.map((p) => [p.name, p.required])).toEqual([
      ['limit', false],
      ['cursor', false],
      ['email', false],
    ]);
  });

  it('should have every route in it exercised by some test', () => {
    const sources = testSources([join(REPO, 'services', 'registry'), join(REPO, 'e2e', 'registry')]);
    const missing = untestedOperations(operationsOf(document()), sources);
    expect(missing.map((o) => `${o.method.toUpperCase()} ${o.path}`)).toEqual([]);
  });

  it('should notice a route no test calls', () => {
    const sources = [
      {
        file: 'a.spec.ts',
        text: "api('GET', `/api/v1/users/${id}?x=1`); x({ method: 'DELETE', url: '/api/v1/teams/abc' })",
      },
    ];
    expect(operationPattern({ method: 'get', path: '/api/v1/users/{userId}' }).test(sources[0].text)).toBe(true);
    expect(
      untestedOperations(
        [
          { method: 'get', path: '/api/v1/users/{userId}' },
          { method: 'delete', path: '/api/v1/teams/{teamId}' },
          { method: 'post', path: '/api/v1/users/{userId}' },
          { method: 'get', path: '/api/v1/users' },
        ],
        sources,
      ),
    ).toEqual([
      { method: 'post', path: '/api/v1/users/{userId}' },
      { method: 'get', path: '/api/v1/users' },
    ]);
  });
});
