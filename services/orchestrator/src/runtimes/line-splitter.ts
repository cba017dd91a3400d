import { StringDecoder } from 'node:string_decoder';

/**
 * Turns a byte stream into text lines. A line longer than `maxLength` is emitted in pieces, so a server that never
 * writes a newline cannot grow the buffer without bound.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(
    private readonly maxLength: number,
    private readonly emit: (line: string) => void,
  ) {}

  write(chunk: Buffer): void {
    this.pending += this.decoder.write(chunk);
    let newline = this.pending.indexOf('\n');
    while (newline !== -1) {
      this.emit(this.pending.slice(0, newline).replace(/\r$/, ''));
      this.pending = this.pending.slice(newline + 1);
      newline = this.pending.indexOf('\n');
    }
    while (this.pending.length > this.maxLength) {
      this.emit(this.pending.slice(0, this.maxLength));
      this.pending = this.pending.slice(this.maxLength);
    }
  }

  /** Emits what is left once the stream has ended. */
  end(): void {
    this.pending += this.decoder.end();
    if (this.pending) this.emit(this.pending);
    this.pending = '';
  }
}
