import { describe, expect, it } from 'vitest';
import { SseLineTooLongError, SseParser } from '../src/transport/sseParser.js';

function feed(parser: SseParser, parts: Array<string | Buffer>): string[] {
  return parts.flatMap((p) => parser.push(typeof p === 'string' ? Buffer.from(p) : p));
}

describe('the SSE parser that reads miner streams', () => {
  it('splits events on blank lines, whatever the line endings', () => {
    expect(feed(new SseParser(1024), ['data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: d\n\n'])).toEqual(['a', 'b', 'c', 'd']);
  });

  it('joins multi-line data and skips comments and other fields', () => {
    expect(feed(new SseParser(1024), [': keep-alive\n\nevent: x\nid: 3\ndata: one\ndata:two\nretry: 5\n\n'])).toEqual(['one\ntwo']);
  });

  it('reassembles events and CRLF pairs split across network chunks', () => {
    const parser = new SseParser(1024);
    expect(feed(parser, ['da', 'ta: {"a"', ':1}\r'])).toEqual([]);
    expect(feed(parser, ['\n', '\r\n'])).toEqual(['{"a":1}']);
  });

  it('decodes a UTF-8 character split between two chunks', () => {
    const bytes = Buffer.from('data: héllo 🌍\n\n');
    const cut = bytes.indexOf(0xf0) + 2; // inside the emoji's four bytes
    const parser = new SseParser(1024);
    expect(feed(parser, [bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['héllo 🌍']);
  });

  it('reports an unfinished event at the end of the stream', () => {
    const parser = new SseParser(1024);
    feed(parser, ['data: partial']);
    expect(parser.hasPartialEvent).toBe(true);
  });

  it('refuses a line longer than its limit instead of buffering without end', () => {
    const parser = new SseParser(16);
    expect(() => feed(parser, [`data: ${'x'.repeat(64)}`])).toThrow(SseLineTooLongError);
  });

  it('gives the same events however a stream is cut into chunks (every cut point, mixed line endings, multi-byte text)', () => {
    const stream = Buffer.from(': hi\r\ndata: héllo\r\n\r\ndata: a\ndata: 🌍 b\n\nevent: e\rdata\r\rdata:x\n\ndata: [DONE]\n\n');
    const whole = feed(new SseParser(1024), [stream]);
    expect(whole).toEqual(['héllo', 'a\n🌍 b', '', 'x', '[DONE]']);
    for (let cut = 1; cut < stream.length; cut++) {
      for (const second of [cut + 1, cut + 3, stream.length]) {
        const parts = [stream.subarray(0, cut), stream.subarray(cut, Math.min(second, stream.length)), stream.subarray(Math.min(second, stream.length))];
        expect(feed(new SseParser(1024), parts), `cut at ${cut}/${second}`).toEqual(whole);
      }
    }
  });
});
