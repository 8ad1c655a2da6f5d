/**
 * How an input's bytes become text, one definition for Validate, the DuckDB transform (which
 * transcodes what DuckDB does not read itself) and the numbering of the rejects: gzip detected by
 * its magic bytes whatever the key's name, the dataset's declared encoding decoded (UTF-8 strictly:
 * bytes that are not UTF-8 are an {@link EncodingError} naming their line), a byte-order mark
 * dropped, and the `skipRows` lines above the header removed (physical lines, before any CSV
 * parsing: a title line may hold quotes or delimiters). glue/ mirrors it for Spark.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import type { DialectConfig } from './config/dataset-config';
import { EncodingError } from './errors';

/** The compressions the engines read (all of them: DuckDB, Spark, Node). */
export const SUPPORTED_COMPRESSIONS = ['gzip'] as const;

/** Compressed formats no engine reads, by magic bytes. */
const UNREAD_COMPRESSIONS: readonly { readonly name: string; readonly magic: readonly (number | readonly number[])[] }[] = [
  { name: 'zip', magic: [0x50, 0x4b, 0x03, 0x04] },
  // `BZh`, the block size 1–9, then the first block's magic (π): plain text may start with `BZh`.
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68, [0x31, 0x39], 0x31, 0x41, 0x59, 0x26, 0x53, 0x59] },
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd] },
];

const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** How many leading bytes {@link detectCompression} needs to decide. */
export const COMPRESSION_MAGIC_BYTES = 10;

/** The encoding an engine decodes a declared encoding with: ISO-8859-1 is read as Windows-1252 (WHATWG's rule) everywhere. */
export function effectiveEncoding(encoding: DialectConfig['encoding']): 'utf-8' | 'windows-1252' | 'utf-16' {
  return encoding === 'iso-8859-1' ? 'windows-1252' : encoding;
}

/**
 * The compression of a file from its first bytes: `gzip` or `none`. A format no engine reads
 * (zip, bzip2, xz, zstd) is an {@link EncodingError} naming what is read.
 */
export function detectCompression(head: Uint8Array): 'gzip' | 'none' {
  if (head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) return 'gzip';
  const unread = UNREAD_COMPRESSIONS.find(({ magic }) =>
    magic.every((byte, i) => (typeof byte === 'number' ? head[i] === byte : head[i] >= byte[0] && head[i] <= byte[1])),
  );
  if (unread) {
    throw new EncodingError(
      `the file is ${unread.name}-compressed, which no engine reads; upload it uncompressed or ${SUPPORTED_COMPRESSIONS.join(', ')}-compressed (.csv.gz)`,
    );
  }
  return 'none';
}

/** The bytes at a gzip file's end that state its uncompressed size (ISIZE). */
export const GZIP_TRAILER_BYTES = 4;

/**
 * The uncompressed size a gzip file states in its trailer (ISIZE, its last 4 bytes, little-endian):
 * the size modulo 2^32, so a file of 4 GiB or more reads smaller than it is; for a file of several
 * gzip members, the last member's size only. An estimate to route by, never a measure.
 */
export function gzipStatedSize(trailer: Uint8Array): number | undefined {
  if (trailer.length < GZIP_TRAILER_BYTES) return undefined;
  const b = trailer.subarray(trailer.length - GZIP_TRAILER_BYTES);
  return (b[0] | (b[1] << 8) | (b[2] << 16)) + b[3] * 2 ** 24;
}

/** Options of {@link decodeInput}. */
export interface DecodeOptions {
  /** Physical lines (ending in LF, CRLF counted once) removed from the start of the text. @default 0 */
  readonly skipLines?: number;
  /**
   * Decode as a reader that sets bad lines aside does (the transform's header and rejects): bytes
   * that do not decode become U+FFFD, NUL characters pass. @default false
   */
  readonly lenient?: boolean;
}

/** What {@link decodeInput} measured, filled in as the text is read. */
export interface DecodeStats {
  compression: 'gzip' | 'none' | undefined;
  /** Bytes after decompression read so far (all of them once the text has ended). */
  uncompressedBytes: number;
  /** True once the whole input was read. */
  complete: boolean;
}

/**
 * The decoded text of a byte stream, as a stream of strings: gzip inflated (detected), the
 * declared encoding decoded, a BOM dropped, the first `skipLines` lines removed. Fails with an
 * {@link EncodingError} on a compression no engine reads, on corrupt gzip data, on bytes that are
 * not the declared UTF-8 or UTF-16 (naming their line: 1 = the file's first line, skipped lines
 * counted) and on NUL characters (a binary file).
 */
export function decodeInput(source: Readable, encoding: DialectConfig['encoding'], options: DecodeOptions = {}): { text: Readable; stats: DecodeStats } {
  const stats: DecodeStats = { compression: undefined, uncompressedBytes: 0, complete: false };
  const text = Readable.from(
    skipLines(decodeText(inflated(source, stats), effectiveEncoding(encoding), stats, options.lenient ?? false), options.skipLines ?? 0),
    {
      objectMode: false,
      encoding: 'utf-8',
    },
  );
  text.on('close', () => {
    if (!source.destroyed) source.destroy();
  });
  return { text, stats };
}

/** Reads a whole stream of decoded text. */
export async function readAllText(text: Readable): Promise<string> {
  let all = '';
  for await (const chunk of text) all += String(chunk);
  return all;
}

async function* inflated(source: AsyncIterable<Buffer | string>, stats: DecodeStats): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLength = 0;
  let ended = false;
  while (headLength < COMPRESSION_MAGIC_BYTES) {
    const next = await it.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    head.push(chunk);
    headLength += chunk.length;
  }
  stats.compression = detectCompression(Buffer.concat(head));
  async function* raw(): AsyncGenerator<Buffer> {
    // The leading bytes as one chunk: the decoder sees a whole byte-order mark.
    if (headLength > 0) yield Buffer.concat(head);
    while (!ended) {
      const next = await it.next();
      if (next.done) return;
      yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    }
  }
  if (stats.compression === 'none') {
    for await (const chunk of raw()) {
      stats.uncompressedBytes += chunk.length;
      yield chunk;
    }
    return;
  }
  const compressed = Readable.from(raw(), { objectMode: false });
  const gunzip = createGunzip();
  compressed.on('error', (e) => gunzip.destroy(e));
  compressed.pipe(gunzip);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      stats.uncompressedBytes += chunk.length;
      yield chunk;
    }
  } catch (e: unknown) {
    if (e instanceof EncodingError) throw e;
    const code = (e as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new EncodingError(`the gzip data is corrupt or cut short (${(e as Error).message}); upload the file again`, { cause: e });
    }
    throw e;
  } finally {
    compressed.destroy();
    gunzip.destroy();
  }
}

async function* decodeText(
  bytes: AsyncIterable<Buffer>,
  encoding: 'utf-8' | 'windows-1252' | 'utf-16',
  stats: DecodeStats,
  lenient: boolean,
): AsyncGenerator<string> {
  let decoder: TextDecoder | undefined;
  /** Line breaks (LF bytes, or LF code units in UTF-16) before the current chunk. */
  let linesBefore = 0;
  /** The last bytes since the last line break of the chunks before (UTF-8 only: a character the chunk boundary cut). */
  let tail: Buffer = Buffer.alloc(0);
  let odd: Buffer | undefined;
  for await (let chunk of bytes) {
    if (chunk.length === 0) continue;
    if (!decoder) {
      if (!lenient && encoding !== 'utf-16' && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) {
        throw new EncodingError(
          `line 1: the file is UTF-16 text (it starts with a UTF-16 byte-order mark); declare dialect.encoding "utf-16" or re-export it as UTF-8`,
        );
      }
      // A UTF-8 byte-order mark is dropped whatever the declared encoding (Windows-1252 would read it as "ï»¿").
      if (encoding === 'windows-1252' && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      const label = encoding !== 'utf-16' ? encoding : chunk[0] === 0xfe && chunk[1] === 0xff ? 'utf-16be' : 'utf-16le';
      decoder = new TextDecoder(label, { fatal: !lenient && encoding !== 'windows-1252' });
    }
    if (encoding === 'utf-16') {
      // Whole code units only, so that a chunk decodes on its own when locating a bad one.
      if (odd) chunk = Buffer.concat([odd, chunk]);
      odd = chunk.length % 2 === 1 ? chunk.subarray(chunk.length - 1) : undefined;
      if (odd) chunk = chunk.subarray(0, chunk.length - 1);
    }
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch (e: unknown) {
      throw encoding === 'utf-8' ? badUtf8(Buffer.concat([tail, chunk]), linesBefore, e) : badUtf16(chunk, decoder.encoding, linesBefore, e);
    }
    // The five bytes Windows-1252 leaves undefined decode to C1 controls here but to U+FFFD in
    // Java (Spark) and Python: U+FFFD everywhere, a row the transform sets aside in every engine.
    if (encoding === 'windows-1252') text = text.replace(UNDEFINED_IN_WINDOWS_1252, '\uFFFD');
    if (!lenient) refuseNul(text, linesBefore);
    if (encoding === 'utf-8') {
      const lastBreak = chunk.lastIndexOf(0x0a);
      tail = lastBreak < 0 ? Buffer.concat([tail, chunk]) : chunk.subarray(lastBreak + 1);
      // Only a character cut by the chunk's end matters (the line is known from the count):
      // the last bytes, from a sequence's start (the bytes before decoded).
      if (tail.length > 4) {
        let from = tail.length - 4;
        while (from < tail.length && tail[from] >= 0x80 && tail[from] <= 0xbf) from += 1;
        tail = tail.subarray(from);
      }
    }
    linesBefore += countBreaks(text);
    if (text !== '') yield text;
  }
  let rest: string;
  try {
    rest = decoder ? decoder.decode() : '';
  } catch (e: unknown) {
    throw new EncodingError(`line ${linesBefore + 1}: the file ends inside a ${encoding === 'utf-8' ? 'UTF-8' : 'UTF-16'} character (it is cut short?)`, {
      cause: e,
    });
  }
  if (odd && lenient) rest += '\uFFFD';
  else if (odd) throw new EncodingError(`line ${linesBefore + 1}: the file ends inside a UTF-16 character (an odd number of bytes)`);
  if (!lenient) refuseNul(rest, linesBefore);
  stats.complete = true;
  if (rest !== '') yield rest;
}

/** What TextDecoder makes of 0x81, 0x8D, 0x8F, 0x90 and 0x9D, the bytes Windows-1252 does not define. */
const UNDEFINED_IN_WINDOWS_1252 = /[\u0081\u008D\u008F\u0090\u009D]/g;

function countBreaks(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n += 1;
  return n;
}

function refuseNul(text: string, linesBefore: number): void {
  const at = text.indexOf('\u0000');
  if (at >= 0) throw new EncodingError(`line ${linesBefore + countBreaks(text.slice(0, at)) + 1}: the file holds NUL bytes: it is binary, not CSV text`);
}

/** The error of bytes that are not UTF-8, naming the line they are on and the bytes. */
function badUtf8(bytes: Buffer, linesBefore: number, cause: unknown): EncodingError {
  const at = firstInvalidUtf8(bytes);
  if (at < 0) return new EncodingError(`line ${linesBefore + 1}: the file is not valid UTF-8 text`, { cause });
  let line = linesBefore + 1;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < at; i = bytes.indexOf(0x0a, i + 1)) line += 1;
  const shown = [...bytes.subarray(at, at + 2)].map((b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`).join(' ');
  return new EncodingError(
    `line ${line}: bytes that are not UTF-8 (${shown}); the dataset declares utf-8: re-export the file as UTF-8, or declare its encoding (dialect.encoding, e.g. windows-1252)`,
    { cause },
  );
}

/** The error of UTF-16 that does not decode (a lone surrogate), naming its line as well as a fresh decoding of the chunk tells. */
function badUtf16(chunk: Buffer, label: string, linesBefore: number, cause: unknown): EncodingError {
  const text = new TextDecoder(label).decode(chunk);
  const at = text.indexOf('\uFFFD');
  const line = linesBefore + countBreaks(at < 0 ? '' : text.slice(0, at)) + 1;
  return new EncodingError(`line ${line}: the text is not valid UTF-16 (a lone surrogate); the dataset declares utf-16`, { cause });
}

/** The offset of the first byte of `bytes` that does not start or continue a UTF-8 sequence (a sequence cut by the end is valid), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b === 0xe0) [need, min] = [2, 0xa0];
    else if (b === 0xed) [need, min, max] = [2, 0x80, 0x9f];
    else if (b >= 0xe1 && b <= 0xef) [need, min] = [2, 0x80];
    else if (b === 0xf0) [need, min] = [3, 0x90];
    else if (b === 0xf4) [need, min, max] = [3, 0x80, 0x8f];
    else if (b >= 0xf1 && b <= 0xf3) [need, min] = [3, 0x80];
    else return i;
    for (let k = 1; k <= need; k += 1) {
      if (i + k >= bytes.length) return -1;
      const c = bytes[i + k];
      if (k === 1 ? c < min || c > max : c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Removes the first `count` lines (LF-terminated) of the text. */
async function* skipLines(text: AsyncIterable<string>, count: number): AsyncGenerator<string> {
  let left = count;
  for await (const chunk of text) {
    if (left === 0) {
      yield chunk;
      continue;
    }
    let at = 0;
    while (left > 0) {
      const lf = chunk.indexOf('\n', at);
      if (lf < 0) break;
      at = lf + 1;
      left -= 1;
    }
    if (left === 0 && at < chunk.length) yield chunk.slice(at);
  }
}
