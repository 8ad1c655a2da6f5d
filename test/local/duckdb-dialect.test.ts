/**
 * The DuckDB transform reads each dialect option, encoding and compression as Validate does
 * (core/input-decoding.ts, core/validation/header.ts), rejects numbered by the file's lines.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { DuckDBInstance } from '@duckdb/node-api';
import { parse } from 'csv-parse/sync';

import { parseConfig } from '../../core/config/dataset-config';
import { inputId, runReportKey } from '../../core/naming';
import { type RunReport, runReportSchema } from '../../core/run-report';
import { DuckDbGlueJob } from '../../local/runtime/engines/duckdb-job';
import { FolderBucket } from '../../local/runtime/folder-bucket';

const work = mkdtempSync(path.join(os.tmpdir(), 'etl-duckdb-dialect-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const COLUMNS = [
  { name: 'item_id', source: 'Item ID', type: 'integer' },
  { name: 'name', type: 'string', nullable: true },
  { name: 'price', source: 'Price (EUR)', type: 'decimal(10,2)' },
];

let n = 0;
/** Runs one file through a dataset of that dialect; returns the rows (sorted text) and the rejects' lines. */
async function load(
  content: string | Buffer,
  dataset: Record<string, unknown> = {},
): Promise<{ report: RunReport; rows: string[]; rejectLines: number[]; reasons: string[]; error?: string }> {
  n += 1;
  const root = path.join(work, `run-${n}`);
  const bucket = new FolderBucket(path.join(root, 'bucket'));
  const config = parseConfig({
    datasets: [{ name: 'items', match: 'extract/**', columns: COLUMNS, quality: { malformedRowRatio: { fail: 0.9 } }, ...dataset }],
  });
  const job = new DuckDbGlueJob(bucket, config, 'etl-transformation-job');
  const key = 'extract/items.csv';
  mkdirSync(path.dirname(bucket.pathOf(key)), { recursive: true });
  writeFileSync(bucket.pathOf(key), content);
  const executionName = `dialect-${n}`;
  let error: string | undefined;
  try {
    await job.run({
      '--bucket': bucket.name,
      '--input_key': key,
      '--input_version_id': 'null',
      '--load_id': inputId(key),
      '--dataset': 'items',
      '--execution_name': executionName,
      '--ingestion_date': '2026-11-24',
      '--report_key': runReportKey('items', executionName),
    });
  } catch (e: unknown) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    job.close();
  }
  const report = runReportSchema.parse(JSON.parse(readFileSync(bucket.pathOf(runReportKey('items', executionName)), 'utf-8')));
  const rejects = report.rejectsKey
    ? (parse(readFileSync(bucket.pathOf(report.rejectsKey)), { columns: true }) as { line: string; reject_reason: string }[])
    : [];
  let rows: string[] = [];
  if (report.outputFiles.length > 0) {
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const files = report.outputFiles.map((k) => `'${bucket.pathOf(k)}'`).join(', ');
    const result = await db.runAndReadAll(
      `SELECT item_id::VARCHAR || '|' || coalesce(name, '∅') || '|' || price::VARCHAR AS r FROM read_parquet([${files}]) ORDER BY 1`,
    );
    rows = result.getRowObjects().map((r) => String(r.r));
    db.closeSync();
  }
  return { report, rows, rejectLines: rejects.map((r) => Number(r.line)), reasons: rejects.map((r) => r.reject_reason), error };
}

const HEADER = ['Item ID', 'name', 'Price (EUR)'];
const lines = (delimiter: string, rows: string[][], eol = '\n'): string => [HEADER, ...rows].map((r) => r.join(delimiter)).join(eol) + eol;
const ROWS = [
  ['1', 'apple', '1.50'],
  ['2', 'pear', '2.00'],
];
const EXPECTED = ['1|apple|1.50', '2|pear|2.00'];

describe('DuckDB transform dialects (issue 20)', () => {
  it.each([
    ['semicolon', ';'],
    ['tab', '\t'],
    ['pipe', '|'],
  ])('reads a %s-delimited file, the header matched by source', async (_name, delimiter) => {
    const { rows, error } = await load(lines(delimiter, ROWS), { dialect: { delimiter } });
    expect(error).toBeUndefined();
    expect(rows).toEqual(EXPECTED);
  });

  it("reads ' as the quote, and a backslash-escaped quote", async () => {
    const single = await load(
      lines(',', [
        ['1', "'a, b'", '1.50'],
        ['2', "'it''s'", '2.00'],
      ]),
      { dialect: { quoteChar: "'" } },
    );
    expect(single.rows).toEqual(['1|a, b|1.50', "2|it's|2.00"]);
    const escaped = await load(lines(',', [['1', '"say \\"hi\\""', '1.50']]), { dialect: { escapeChar: '\\', doubleQuote: false } });
    expect(escaped.rows).toEqual(['1|say "hi"|1.50']);
  });

  it('skips title lines (skipRows) and numbers rejects by the file line, the skipped lines counted', async () => {
    const text = `Report "Q1\nexported, today\n${lines(',', [...ROWS, ['x', 'bad', '1.00'], ['3', 'too', 'many', 'fields']])}`;
    const { rows, rejectLines, reasons } = await load(text, { dialect: { skipRows: 2 } });
    expect(rows).toEqual(EXPECTED);
    expect(rejectLines).toEqual([6, 7]);
    expect(reasons[0]).toContain('item_id');
  });

  it('reads a file without a header by position (header false), with skipRows', async () => {
    const text = `title\n${ROWS.map((r) => r.join(',')).join('\n')}\nx,bad,1.00\n`;
    const { rows, rejectLines } = await load(text, { dialect: { header: false, skipRows: 1 } });
    expect(rows).toEqual(EXPECTED);
    expect(rejectLines).toEqual([4]);
  });

  it('ignores an extra column with extraColumns ignore (numbering the rejects), refuses it by default', async () => {
    const text = `Item ID,Internal,name,Price (EUR)\n1,a,apple,1.50\n2,b,pear,2.00\nx,c,bad,1.00\nx,d,bad,1.00\n`;
    const ignored = await load(text, { extraColumns: 'ignore' });
    expect(ignored.rows).toEqual(EXPECTED);
    expect(ignored.rejectLines).toEqual([4, 5]);
    const refused = await load(text);
    expect(refused.report.status).toBe('FAILED');
    expect(refused.report.error?.message).toContain('unknown: "Internal"');
  });

  it('reads gzip bytes named .csv, rejects numbered', async () => {
    const { rows, rejectLines } = await load(gzipSync(lines(',', [...ROWS, ['x', 'bad', '1.00']])));
    expect(rows).toEqual(EXPECTED);
    expect(rejectLines).toEqual([4]);
  });

  it('reads Windows-1252 (€, é) and UTF-16 (LE, BE) transcoded', async () => {
    const text = lines(';', [
      ['1', 'café 5 €', '1.50'],
      ['x', 'bad', '1.00'],
    ]);
    const cp1252 = Buffer.from(new Uint8Array([...text].map((c) => (c === '€' ? 0x80 : c === 'é' ? 0xe9 : c.charCodeAt(0)))));
    const latin = await load(cp1252, { dialect: { delimiter: ';', encoding: 'windows-1252' } });
    expect(latin.rows).toEqual(['1|café 5 €|1.50']);
    expect(latin.rejectLines).toEqual([3]);
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    for (const bytes of [le, be]) {
      const utf16 = await load(bytes, { dialect: { delimiter: ';', encoding: 'utf-16' } });
      expect(utf16.rows).toEqual(['1|café 5 €|1.50']);
      expect(utf16.rejectLines).toEqual([3]);
    }
  });

  it('reads an Excel-EU export: BOM, CRLF, semicolons, headers by source', async () => {
    const { rows, rejectLines } = await load(`\uFEFF${lines(';', [...ROWS, ['x', 'bad', '1.00']], '\r\n')}`, { dialect: { delimiter: ';' } });
    expect(rows).toEqual(EXPECTED);
    expect(rejectLines).toEqual([4]);
  });

  it('refuses a zip file naming gzip', async () => {
    const { report, error } = await load(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0, 0, 0, 0]));
    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe('EncodingError');
    expect(error).toMatch(/zip-compressed.*gzip/);
  });
});
