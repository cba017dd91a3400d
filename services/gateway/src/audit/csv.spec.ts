import { csvField, csvRow, EVENT_CSV_HEADER, eventCsvRow } from './csv';

describe('csv', () => {
  it('should leave plain fields alone and quote those with separators, quotes or line breaks', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(12.5)).toBe('12.5');
    expect(csvField(null)).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvRow(['a', 'b,c', null])).toBe('a,"b,c",\r\n');
  });

  it('should write an event with its derived columns and its payload as JSON', () => {
    const row = eventCsvRow({
      id: '01945f6e-1c2b-7a3d-8e4f-5a6b7c8d9e0f',
      type: 'events.v1.mcp.request',
      occurredAt: '2025-01-31T12:00:00.123Z',
      tenant: 'acme',
      actor: { type: 'token', id: 'ana' },
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      data: { gateway: 'default', server: 'fs', tool: 'read, "file"', outcome: 'ok', durationMs: 3.5 },
    });
    expect(EVENT_CSV_HEADER.split(',')).toHaveLength(13);
    expect(row).toBe(
      '01945f6e-1c2b-7a3d-8e4f-5a6b7c8d9e0f,events.v1.mcp.request,2025-01-31T12:00:00.123Z,acme,token,ana,' +
        '0af7651916cd43dd8448eb211c80319c,default,fs,"read, ""file""",ok,3.5,' +
        '"{""gateway"":""default"",""server"":""fs"",""tool"":""read, \\""file\\"""",""outcome"":""ok"",""durationMs"":3.5}"\r\n',
    );
  });
});
