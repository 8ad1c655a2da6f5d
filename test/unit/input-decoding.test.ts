import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

import { EncodingError } from '../../core/errors';
import { decodeInput, detectCompression, effectiveEncoding, firstInvalidUtf8, gzipStatedSize, readAllText } from '../../core/input-decoding';

type Encoding = Parameters<typeof decodeInput>[1];
const decode = (chunks: Buffer[], encoding: Encoding = 'utf-8', options: Parameters<typeof decodeInput>[2] = {}) => {
  const { text, stats } = decodeInput(Readable.from(chunks), encoding, options);
  return readAllText(text).then((all) => ({ all, stats }));
};
const cp1252 = (text: string): Buffer => Buffer.from(new Uint8Array([...text].map((c) => ({ '€': 0x80, é: 0xe9, ü: 0xfc })[c] ?? c.charCodeAt(0))));

describe('decodeInput', () => {
  it('passes UTF-8 through, a byte-order mark dropped', async () => {
    expect((await decode([Buffer.from('\uFEFFa,b\n1,é\n')])).all).toBe('a,b\n1,é\n');
  });

  it('inflates gzip detected by its magic bytes, and measures the uncompressed size', async () => {
    const text = 'id,name\n1,é\n'.repeat(1000);
    const gz = gzipSync(text);
    const { all, stats } = await decode([gz.subarray(0, 1), gz.subarray(1, 5), gz.subarray(5)]);
    expect(all).toBe(text);
    expect(stats).toEqual({ compression: 'gzip', uncompressedBytes: Buffer.byteLength(text), complete: true });
  });

  it('reads several concatenated gzip members', async () => {
    expect((await decode([Buffer.concat([gzipSync('a\n1\n'), gzipSync('2\n')])])).all).toBe('a\n1\n2\n');
  });

  it('refuses corrupt gzip data', async () => {
    await expect(decode([Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 0x4b])])).rejects.toThrow(/gzip data is corrupt/);
  });

  it('decodes Windows-1252, and ISO-8859-1 as Windows-1252 (€ is 0x80)', async () => {
    for (const encoding of ['windows-1252', 'iso-8859-1'] as const) {
      expect((await decode([cp1252('a;b\n5 €;é ü\n')], encoding)).all).toBe('a;b\n5 €;é ü\n');
    }
    expect(effectiveEncoding('iso-8859-1')).toBe('windows-1252');
  });

  it('drops a UTF-8 byte-order mark in a Windows-1252 file', async () => {
    expect((await decode([Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), cp1252('a\n€\n')])], 'windows-1252')).all).toBe('a\n€\n');
  });

  it('decodes UTF-16 by its byte-order mark, LE and BE (no mark: LE), even split at odd offsets', async () => {
    const text = 'a,b\n1,€ 😀\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    expect((await decode([le.subarray(0, 3), le.subarray(3, 8), le.subarray(8)], 'utf-16')).all).toBe(text);
    expect((await decode([be.subarray(0, 5), be.subarray(5)], 'utf-16')).all).toBe(text);
    expect((await decode([Buffer.from(text, 'utf16le')], 'utf-16')).all).toBe(text);
  });

  it('names the line of bytes that are not UTF-8, even in a later chunk or across a chunk boundary', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n1,x\n2,caf'), Buffer.from([0xe9]), Buffer.from(' au lait\n')]);
    await expect(decode([bytes])).rejects.toThrow(/^line 3: bytes that are not UTF-8 \(0xE9 0x20\)/);
    await expect(decode([bytes.subarray(0, 6), bytes.subarray(6, 13), bytes.subarray(13)])).rejects.toThrow(/^line 3:/);
    const cut = Buffer.concat([Buffer.from('a\nb\n'), Buffer.from([0xe2, 0x82])]);
    await expect(decode([cut])).rejects.toThrow(/line 3: the file ends inside a UTF-8 character/);
    await expect(decode([bytes])).rejects.toBeInstanceOf(EncodingError);
  });

  it('refuses NUL bytes (a binary file) and a UTF-16 file declared UTF-8', async () => {
    await expect(decode([Buffer.from('a\n\u0000\u0001\n')])).rejects.toThrow(/line 2: the file holds NUL bytes/);
    await expect(decode([Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a\n', 'utf16le')])])).rejects.toThrow(/UTF-16/);
  });

  it('leniently replaces what does not decode (the transform sets the row aside)', async () => {
    expect((await decode([Buffer.from([0x61, 0xe9, 0x0a, 0x00])], 'utf-8', { lenient: true })).all).toBe('a\uFFFD\n\u0000');
  });

  it('removes skipLines physical lines, quotes in them and chunk boundaries included', async () => {
    const text = 'Title "open\r\nnote, with comma\na,b\n1,2\n';
    expect((await decode([Buffer.from(text)], 'utf-8', { skipLines: 2 })).all).toBe('a,b\n1,2\n');
    const chunks = [...Buffer.from(text)].map((b) => Buffer.from([b]));
    expect((await decode(chunks, 'utf-8', { skipLines: 2 })).all).toBe('a,b\n1,2\n');
  });
});

describe('detectCompression', () => {
  it.each([
    ['zip', [0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]],
    ['bzip2', [0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59]],
    ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
    ['zstd', [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00]],
  ])('refuses %s in one line naming gzip', (name, magic) => {
    expect(() => detectCompression(Buffer.from(magic))).toThrow(new RegExp(`^the file is ${name}-compressed, which no engine reads; .*gzip`));
  });

  it('tells gzip from plain text', () => {
    expect(detectCompression(gzipSync('x'))).toBe('gzip');
    expect(detectCompression(Buffer.from('BZh9_code,1\n'))).toBe('none');
    expect(detectCompression(Buffer.alloc(0))).toBe('none');
  });
});

describe('gzipStatedSize', () => {
  it('reads ISIZE, the uncompressed size modulo 2^32, from the last 4 bytes', () => {
    const gz = gzipSync(Buffer.alloc(300_000, 0x61));
    expect(gzipStatedSize(gz.subarray(-4))).toBe(300_000);
    expect(gzipStatedSize(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toBe(2 ** 32 - 1);
    expect(gzipStatedSize(Buffer.from([1]))).toBeUndefined();
  });
});

describe('firstInvalidUtf8', () => {
  it('finds the first byte that is not UTF-8; a character cut by the end is not', () => {
    expect(firstInvalidUtf8(Buffer.from('aé€😀'))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc3]))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe9, 0x20]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // a surrogate
    expect(firstInvalidUtf8(Buffer.from([0xc0, 0x80]))).toBe(0); // overlong
  });
});

describe('Windows-1252 bytes it leaves undefined', () => {
  it('decode to U+FFFD, as Java and Python decode them (a row every engine sets aside)', async () => {
    // Prepare
    const bytes = Buffer.from([0x61, 0x81, 0x62, 0x80, 0x0a]);

    // Act
    const { all } = await decode([bytes], 'windows-1252', { lenient: true });

    // Assess
    expect(all).toBe('a\uFFFDb€\n');
  });
});
