/**
 * What `etl infer` reads a file's bytes as: its compression (gzip, by the magic bytes, whatever
 * the name) and the encoding to declare (a UTF-16 byte-order mark, or ASCII every other byte of
 * which is zero → UTF-16; bytes that decode as UTF-8 → UTF-8; else Windows-1252). The text is then
 * decoded by the readers' own decoder (core/input-decoding.ts) with that encoding, so infer sees
 * the very text Validate and the engines will read.
 */
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';

import { EncodingError } from '../errors';
import { decodeInput as decodeStream, detectCompression, readAllText } from '../input-decoding';
import type { DialectConfig } from './dataset-config';

/** A file's bytes as infer reads them. */
export interface DecodedInput {
  readonly compression: 'none' | 'gzip';
  readonly encoding: DialectConfig['encoding'];
  /** The text, its byte-order mark dropped (no line skipped). */
  readonly text: string;
}

/**
 * The compression, encoding and text of a file's bytes. Throws {@link EncodingError} (one line) for
 * a compression no engine reads, gzip data that does not inflate, or a binary file (NUL bytes).
 */
export async function readInput(bytes: Uint8Array): Promise<DecodedInput> {
  const compression = detectCompression(bytes.subarray(0, 6));
  let raw = bytes;
  if (compression === 'gzip') {
    try {
      raw = gunzipSync(bytes);
    } catch (e: unknown) {
      throw new EncodingError(`the gzip data is corrupt or cut short (${e instanceof Error ? e.message : String(e)})`, { cause: e });
    }
  }
  const encoding = detectEncoding(raw);
  try {
    return { compression, encoding, text: await decode(bytes, encoding) };
  } catch (e: unknown) {
    // Not UTF-8 after all (the detection reads it whole, so only a NUL byte gets here): said as is.
    if (encoding !== 'utf-8' || !(e instanceof EncodingError) || /NUL/.test(e.message)) throw e;
    return { compression, encoding: 'windows-1252', text: await decode(bytes, 'windows-1252') };
  }
}

function decode(bytes: Uint8Array, encoding: DialectConfig['encoding']): Promise<string> {
  return readAllText(decodeStream(Readable.from([Buffer.from(bytes)]), encoding).text);
}

/** The encoding to declare for uncompressed bytes (see {@link readInput}). */
export function detectEncoding(bytes: Uint8Array): DialectConfig['encoding'] {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return 'utf-16';
  if (looksLikeUtf16Le(bytes)) return 'utf-16';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

/** UTF-16 LE without a BOM (which the config reads as LE): ASCII text whose every other byte is zero. */
function looksLikeUtf16Le(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return false;
  let zeros = 0;
  for (let i = 1; i < n; i += 2) if (bytes[i] === 0 && bytes[i - 1] !== 0) zeros += 1;
  return zeros >= (n / 2) * 0.9;
}
