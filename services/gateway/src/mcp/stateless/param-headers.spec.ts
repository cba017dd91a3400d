import { paramHeaderMismatch } from './param-headers';

describe(paramHeaderMismatch.name, () => {
  const schema = {
    type: 'object',
    properties: {
      region: { type: 'string', 'x-mcp-header': 'Region' },
      limit: { type: 'integer', 'x-mcp-header': 'Limit' },
      query: { type: 'string' },
    },
  };

  it('should accept headers that mirror the arguments, plain or Base64, whatever the header name’s case', () => {
    expect(
      paramHeaderMismatch(schema, { region: 'eu-west', limit: 5, query: 'x' }, { region: 'eu-west', limit: '5' }),
    ).toBeUndefined();
    const encoded = `=?base64?${Buffer.from('Zürich').toString('base64')}?=`;
    expect(paramHeaderMismatch(schema, { region: 'Zürich' }, { region: encoded })).toBeUndefined();
    expect(paramHeaderMismatch(schema, { query: 'x' }, {})).toBeUndefined();
  });

  it('should refuse a missing, different or badly encoded header', () => {
    expect(paramHeaderMismatch(schema, { region: 'eu-west' }, {})).toMatch(/Mcp-Param-Region header is required/);
    expect(paramHeaderMismatch(schema, { region: 'eu-west' }, { region: 'us-east' })).toMatch(/does not match/);
    expect(paramHeaderMismatch(schema, { limit: 5 }, { limit: '6' })).toMatch(/Mcp-Param-Limit does not match/);
    expect(paramHeaderMismatch(schema, { region: 'Hello' }, { region: '=?base64?SGVsbG8?=' })).toMatch(/malformed/);
  });

  it('should not throw on schemas and arguments of the wrong shape', () => {
    for (const [s, a] of [
      [undefined, undefined],
      ['x', 1],
      [{ properties: [] }, []],
      [{ properties: { a: null } }, { a: 1 }],
    ])
      expect(paramHeaderMismatch(s, a, {})).toBeUndefined();
  });
});
