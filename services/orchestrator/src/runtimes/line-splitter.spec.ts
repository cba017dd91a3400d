import { LineSplitter } from './line-splitter';

describe(LineSplitter.name, () => {
  function split(chunks: Buffer[], maxLength = 100): string[] {
    const lines: string[] = [];
    const splitter = new LineSplitter(maxLength, (line) => lines.push(line));
    for (const chunk of chunks) splitter.write(chunk);
    splitter.end();
    return lines;
  }

  it('should join lines split across chunks and drop carriage returns', () => {
    expect(split([Buffer.from('one\r\ntw'), Buffer.from('o\nthree')])).toEqual(['one', 'two', 'three']);
  });

  it('should not break a multi-byte character split between chunks', () => {
    const bytes = Buffer.from('naïve\n');
    expect(split([bytes.subarray(0, 3), bytes.subarray(3)])).toEqual(['naïve']);
  });

  it('should emit an endless line in bounded pieces', () => {
    expect(split([Buffer.from('x'.repeat(25))], 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });
});
