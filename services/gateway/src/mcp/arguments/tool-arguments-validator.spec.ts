import { type ToolArgumentsCheck, ToolArgumentsValidator } from './tool-arguments-validator';

const readFileSchema = {
  type: 'object',
  properties: {
    path: { type: 'string', minLength: 1 },
    encoding: { enum: ['utf8', 'base64'] },
    range: {
      type: 'object',
      properties: { start: { type: 'integer', minimum: 0 }, end: { type: 'integer' } },
      required: ['start'],
    },
  },
  required: ['path'],
  additionalProperties: false,
};

function failure(check: ToolArgumentsCheck) {
  if (check.ok) throw new Error('expected a failure');
  return check;
}

function invalid(check: ToolArgumentsCheck) {
  const result = failure(check);
  if (result.reason !== 'invalid-arguments') throw new Error(`expected invalid arguments, got ${result.message}`);
  return result;
}

function timed<T>(run: () => T): { result: T; ms: number } {
  const start = performance.now();
  const result = run();
  return { result, ms: performance.now() - start };
}

describe(ToolArgumentsValidator.name, () => {
  let validator: ToolArgumentsValidator;
  beforeEach(() => (validator = new ToolArgumentsValidator()));

  describe('validation', () => {
    it('should accept valid arguments', () => {
      expect(validator.check(readFileSchema, { path: '/tmp/a', range: { start: 1 } })).toEqual({ ok: true });
    });

    it('should list every failing path in one message', () => {
      const check = invalid(validator.check(readFileSchema, { encoding: 'latin1', range: { end: 1.5 }, mode: 'x' }));
      expect(check.reason).toBe('invalid-arguments');
      expect(check.issues).toEqual([
        { path: '/path', message: 'is required' },
        { path: '/mode', message: 'is not allowed' },
        { path: '/encoding', message: 'must be one of "utf8", "base64"' },
        { path: '/range/start', message: 'is required' },
        { path: '/range/end', message: 'must be integer' },
      ]);
      expect(check.message).toBe(
        'Invalid arguments: /path is required; /mode is not allowed; /encoding must be one of "utf8", "base64"; ' +
          '/range/start is required; /range/end must be integer',
      );
    });

    it('should treat absent arguments as an empty object', () => {
      expect(validator.check({ type: 'object' }, undefined)).toEqual({ ok: true });
      expect(failure(validator.check(readFileSchema, undefined)).message).toBe('Invalid arguments: /path is required');
    });

    it('should refuse arguments that are not an object when the schema asks for one', () => {
      expect(invalid(validator.check({ type: 'object' }, ['a'])).issues).toEqual([
        { path: '/', message: 'must be object' },
      ]);
    });

    it('should escape property names in paths as JSON Pointer does', () => {
      const schema = { type: 'object', properties: { 'a/b': { type: 'string' } }, additionalProperties: false };
      expect(invalid(validator.check(schema, { 'a/b': 1, 'c~d': 2 })).issues).toEqual([
        { path: '/c~0d', message: 'is not allowed' },
        { path: '/a~1b', message: 'must be string' },
      ]);
    });

    it('should cap the message and say how many issues were left out', () => {
      const properties = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`p${i}`, { type: 'string' }]));
      const args = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`p${i}`, i]));
      const check = invalid(validator.check({ type: 'object', properties }, args));
      expect(check.issues).toHaveLength(15);
      expect(check.message).toMatch(/; and 5 more$/);
    });

    it('should validate formats', () => {
      const schema = { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } };
      expect(validator.check(schema, { at: '2026-07-28T10:00:00Z' })).toEqual({ ok: true });
      expect(invalid(validator.check(schema, { at: 'tomorrow' })).issues).toEqual([
        { path: '/at', message: 'must match format "date-time"' },
      ]);
    });

    it('should accept vendor keywords such as x-mcp-header', () => {
      const schema = { type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'Region' } } };
      expect(validator.check(schema, { region: 'eu' })).toEqual({ ok: true });
    });

    it('should never change the arguments it validates', () => {
      const schema = { type: 'object', properties: { n: { type: 'integer', default: 3 }, s: { type: 'string' } } };
      const args = { s: '1' };
      validator.check(schema, args);
      expect(args).toEqual({ s: '1' });
      expect(invalid(validator.check(schema, { s: 1 })).issues).toEqual([{ path: '/s', message: 'must be string' }]);
    });
  });

  describe('dialects', () => {
    const tuple = {
      type: 'object',
      properties: { point: { type: 'array', items: [{ type: 'number' }, { type: 'string' }] } },
    };

    it('should use JSON Schema 2020-12 when no $schema is declared', () => {
      const schema = { type: 'object', properties: { point: { prefixItems: [{ type: 'number' }], items: false } } };
      expect(validator.check(schema, { point: [1] })).toEqual({ ok: true });
      expect(failure(validator.check(schema, { point: [1, 2] })).reason).toBe('invalid-arguments');
      // Draft-07's tuple form of `items` is not valid 2020-12.
      expect(failure(validator.check(tuple, { point: [1, 'a'] })).reason).toBe('unusable-schema');
    });

    it.each(['http://json-schema.org/draft-07/schema#', 'https://json-schema.org/draft-07/schema'])(
      'should honour a draft-07 declaration (%s)',
      ($schema) => {
        const schema = { $schema, ...tuple, definitions: { n: { type: 'number' } } };
        expect(validator.check(schema, { point: [1, 'a'] })).toEqual({ ok: true });
        expect(invalid(validator.check(schema, { point: ['a', 'a'] })).issues).toEqual([
          { path: '/point/0', message: 'must be number' },
        ]);
      },
    );

    it('should honour 2019-09 and an explicit 2020-12 declaration', () => {
      const dependent = { type: 'object', dependentRequired: { a: ['b'] } };
      for (const $schema of [
        'https://json-schema.org/draft/2019-09/schema',
        'https://json-schema.org/draft/2020-12/schema#',
      ]) {
        expect(invalid(validator.check({ $schema, ...dependent }, { a: 1 })).issues).toEqual([
          { path: '/b', message: 'is required' },
        ]);
      }
    });

    it('should report a schema in an unsupported dialect as unusable', () => {
      const check = failure(
        validator.check({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' }, {}),
      );
      expect(check.reason).toBe('unusable-schema');
      expect(check.message).toMatch(/dialect/);
    });
  });

  describe('schemas from untrusted servers', () => {
    it('should match a catastrophic-backtracking pattern in linear time', () => {
      const schema = { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } } };
      const { result, ms } = timed(() => validator.check(schema, { s: `${'a'.repeat(50_000)}!` }));
      expect(invalid(result).issues).toEqual([{ path: '/s', message: 'must match pattern "^(a+)+$"' }]);
      expect(ms).toBeLessThan(2000);
    });

    it('should match catastrophic patternProperties in linear time', () => {
      const schema = { type: 'object', patternProperties: { '^(x|x)*$': { type: 'number' } } };
      const { result, ms } = timed(() => validator.check(schema, { [`${'x'.repeat(30_000)}y`]: 'not checked' }));
      expect(result).toEqual({ ok: true });
      expect(ms).toBeLessThan(2000);
    });

    it('should keep ECMAScript escapes working under the linear-time engine', () => {
      const schema = {
        type: 'object',
        properties: { s: { type: 'string', pattern: '^[\\u0041-\\u005A]+\\u{1F600}$' } },
      };
      expect(validator.check(schema, { s: 'ABC😀' })).toEqual({ ok: true });
      expect(failure(validator.check(schema, { s: 'abc😀' })).reason).toBe('invalid-arguments');
      const literal = { type: 'object', properties: { s: { type: 'string', pattern: '^\\\\u0041$' } } };
      expect(validator.check(literal, { s: '\\u0041' })).toEqual({ ok: true });
      expect(failure(validator.check(literal, { s: 'A' })).reason).toBe('invalid-arguments');
    });

    it('should support a lookahead pattern without nested quantifiers', () => {
      const schema = { type: 'object', properties: { p: { type: 'string', pattern: '^(?=.*[0-9])[a-z0-9]{8,}$' } } };
      expect(validator.check(schema, { p: 'abcdefg1' })).toEqual({ ok: true });
      expect(failure(validator.check(schema, { p: 'abcdefgh' })).reason).toBe('invalid-arguments');
    });

    it('should refuse a lookahead pattern with nested quantifiers instead of running it', () => {
      const schema = { type: 'object', properties: { p: { type: 'string', pattern: '^(?=(a+)+$)a' } } };
      const check = failure(validator.check(schema, { p: 'aaa' }));
      expect(check.reason).toBe('unusable-schema');
      expect(check.message).toMatch(/exponential/);
    });

    it('should refuse a schema nested 100 000 levels deep without overflowing the stack', () => {
      let schema: Record<string, unknown> = { type: 'string' };
      for (let i = 0; i < 100_000; i++) schema = { type: 'object', properties: { a: schema } };
      const { result, ms } = timed(() => validator.check(schema, {}));
      expect(failure(result).reason).toBe('unusable-schema');
      expect(ms).toBeLessThan(2000);
    });

    it('should refuse a schema larger than the byte limit', () => {
      const schema = { type: 'object', description: 'x'.repeat(300 * 1024) };
      expect(failure(validator.check(schema, {})).message).toMatch(/too large/);
    });

    it('should refuse a cyclic schema object', () => {
      const schema: Record<string, unknown> = { type: 'object' };
      schema.properties = { self: schema };
      expect(failure(validator.check(schema, {})).reason).toBe('unusable-schema');
    });

    it('should compile huge required and enum lists quickly', () => {
      const names = Array.from({ length: 5_000 }, (_, i) => `p${i}`);
      const schema = { type: 'object', required: names, properties: { e: { enum: names } } };
      const { result, ms } = timed(() => validator.check(schema, { e: 'nope' }));
      expect(invalid(result).issues).toHaveLength(5_001);
      expect(ms).toBeLessThan(3000);
    });

    it('should refuse arguments nested deeper than the limit', () => {
      let args: unknown = 1;
      for (let i = 0; i < 1000; i++) args = [args];
      expect(failure(validator.check({ type: 'object' }, { a: args })).message).toMatch(/too deeply nested/);
    });

    it('should not resolve remote $refs', () => {
      const schema = { type: 'object', properties: { a: { $ref: 'https://attacker.example/schema.json' } } };
      expect(failure(validator.check(schema, { a: 1 })).reason).toBe('unusable-schema');
    });

    it('should keep tools that declare the same $id apart', () => {
      const first = { $id: 'https://tools.example/args', type: 'object', required: ['a'] };
      const second = { $id: 'https://tools.example/args', type: 'object', required: ['b'] };
      expect(validator.check(first, { a: 1 })).toEqual({ ok: true });
      expect(validator.check(second, { b: 1 })).toEqual({ ok: true });
      expect(invalid(validator.check(second, { a: 1 })).issues).toEqual([{ path: '/b', message: 'is required' }]);
    });

    it('should resolve a schema’s references to its own $defs', () => {
      const schema = {
        $id: 'https://tools.example/tree',
        type: 'object',
        properties: { root: { $ref: '#/$defs/node' } },
        $defs: {
          node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } } },
        },
      };
      expect(validator.check(schema, { root: { children: [{ children: [] }] } })).toEqual({ ok: true });
      expect(invalid(validator.check(schema, { root: { children: [5] } })).issues).toEqual([
        { path: '/root/children/0', message: 'must be object' },
      ]);
    });

    it('should report a schema that is invalid in its dialect as unusable', () => {
      expect(failure(validator.check({ type: 'objekt' }, {})).reason).toBe('unusable-schema');
      expect(failure(validator.check({ type: 'object', pattern: '(' }, {})).reason).toBe('unusable-schema');
      expect(failure(validator.check('not a schema', {})).reason).toBe('unusable-schema');
    });
  });

  describe('cache', () => {
    it('should compile a schema once whatever the order of its keys', () => {
      validator.check({ type: 'object', required: ['a'] }, {});
      validator.check({ required: ['a'], type: 'object' }, {});
      expect(validator.cachedSchemas).toBe(1);
      validator.check({ type: 'object', required: ['b'] }, {});
      expect(validator.cachedSchemas).toBe(2);
    });

    it('should use a changed schema immediately (a changed definition must not reuse the old validator)', () => {
      const schema = { type: 'object', properties: { a: { type: 'string' } } };
      expect(validator.check(schema, { a: 1 }).ok).toBe(false);
      expect(validator.check({ ...schema, properties: { a: { type: 'number' } } }, { a: 1 })).toEqual({ ok: true });
    });

    it('should evict the least recently used schema beyond its size and still validate it afterwards', () => {
      const small = new ToolArgumentsValidator({ maxCachedSchemas: 2 });
      const schemas = ['a', 'b', 'c'].map((name) => ({ type: 'object', required: [name] }));
      for (const schema of schemas) small.check(schema, {});
      expect(small.cachedSchemas).toBe(2);
      expect(invalid(small.check(schemas[0], {})).issues).toEqual([{ path: '/a', message: 'is required' }]);
      expect(small.check(schemas[0], { a: 1 })).toEqual({ ok: true });
    });

    it('should cache an unusable schema so it is not compiled again', () => {
      const hostile = { type: 'object', properties: { p: { type: 'string', pattern: '^(?=(a+)+$)a' } } };
      validator.check(hostile, {});
      const { result, ms } = timed(() => validator.check(JSON.parse(JSON.stringify(hostile)), {}));
      expect(failure(result).reason).toBe('unusable-schema');
      expect(validator.cachedSchemas).toBe(1);
      expect(ms).toBeLessThan(50);
    });
  });
});
