import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

import { type DatasetConfig, getDataset, parseConfig } from '../../core/config/dataset-config';
import { MAX_REPORTED_ISSUES, type ValidationReport, validateCsv } from '../../core/validation/validate-csv';

const CONFIG_PATH = join(__dirname, '..', '..', 'etl.config.json');

function ordersDataset(patch: (raw: Record<string, unknown>) => void = () => undefined): DatasetConfig {
  const raw = JSON.parse(readFileSync(CONFIG_PATH, 'utf-8')) as { datasets: Record<string, unknown>[] };
  patch(raw.datasets[0]);
  return getDataset(parseConfig(raw), 'orders');
}

const ORDERS = ordersDataset();
const HEADER = 'order_id,customer_id,customer_email,product_sku,quantity,unit_price,currency,order_ts,order_date,status,notes';

function row(n: number, notes = ''): string {
  const id = String(n).padStart(6, '0');
  return `ORD-${id},CUST-1001,bob@example.com,SKU-1,2,19.90,EUR,2026-11-25T09:00:00Z,2026-11-25,PAID,${notes}`;
}

function validate(content: string | Buffer, dataset: DatasetConfig = ORDERS, sizeBytes?: number): Promise<ValidationReport> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf-8') : content;
  return validateCsv(Readable.from([bytes]), dataset, sizeBytes ?? bytes.length);
}

describe('validateCsv on well-formed input', () => {
  it('accepts a valid orders CSV', async () => {
    // Prepare
    const text = [HEADER, row(1), row(2, 'fragile'), row(3)].join('\n') + '\n';

    // Act
    const result = await validate(text);

    // Assess
    expect(result).toEqual({
      valid: true,
      error: null,
      header: HEADER.split(','),
      rowsChecked: 3,
      malformedRows: 0,
      sampled: false,
      sizeBytes: Buffer.byteLength(text),
      compression: 'none',
      uncompressedBytes: Buffer.byteLength(text),
      statedUncompressedBytes: null,
      uncompressedSizeBytes: Buffer.byteLength(text),
      issues: [],
    });
  });

  it('accepts the header columns in any order', async () => {
    // Prepare
    const names = HEADER.split(',');
    const reversed = [...names].reverse();
    const values = row(1).split(',');
    const reversedRow = [...values].reverse().join(',');
    const text = `${reversed.join(',')}\n${reversedRow}\n`;

    // Act
    const result = await validate(text);

    // Assess
    expect(result.valid).toBe(true);
    expect(result.header).toEqual(reversed);
    expect(result.rowsChecked).toBe(1);
  });

  it('checks values against the column at their header position, not the declaration order', async () => {
    // Prepare: quantity and unit_price swapped in the header, values left in declaration order
    const header = HEADER.replace('quantity,unit_price', 'unit_price,quantity');
    const text = `${header}\n${row(1)}\n`;

    // Act
    const result = await validate(text);

    // Assess: 19.90 is not an integer quantity
    expect(result.valid).toBe(false);
    expect(result.error?.name).toBe('MalformedRowsError');
    expect(result.issues).toEqual(['row 1: quantity "19.90" is not a valid integer']);
  });

  it('accepts CRLF line ends and a UTF-8 byte-order mark', async () => {
    // Prepare
    const text = `\uFEFF${[HEADER, row(1), row(2)].join('\r\n')}\r\n`;

    // Act
    const result = await validate(text);

    // Assess
    expect(result.valid).toBe(true);
    expect(result.header[0]).toBe('order_id');
    expect(result.rowsChecked).toBe(2);
  });

  it('accepts quoted commas, doubled quotes and newlines in notes', async () => {
    // Prepare
    const text = [
      HEADER,
      row(1, '"Leave at the front door, please"'),
      row(2, '"Customer wrote: ""fragile, handle with care"""'),
      row(3, '"Call before delivery,\r\nthe bell is broken"'),
      row(4, '"line one\nline two"'),
    ].join('\r\n');

    // Act
    const result = await validate(text);

    // Assess
    expect(result.error).toBeNull();
    expect(result.valid).toBe(true);
    expect(result.rowsChecked).toBe(4);
  });

  it('accepts the sample file shipped with the project', async () => {
    // Prepare
    const bytes = readFileSync(join(__dirname, '..', '..', 'samples', 'orders-clean.csv'));

    // Act
    const result = await validate(bytes);

    // Assess
    expect(result.error).toBeNull();
    expect(result.rowsChecked).toBeGreaterThan(0);
  });

  it('ignores blank lines', async () => {
    // Prepare
    const text = `${HEADER}\n\n${row(1)}\n\n${row(2)}\n\n`;

    // Act
    const result = await validate(text);

    // Assess
    expect(result.valid).toBe(true);
    expect(result.rowsChecked).toBe(2);
  });

  it('tolerates a few malformed rows below the fail ratio, reporting them', async () => {
    // Prepare: 1 bad row of 20 = 5% < 10%
    const rows = Array.from({ length: 20 }, (_, i) => row(i + 1));
    rows[4] = row(5).replace('2026-11-25,PAID', '2026-02-30,PAID');
    const text = [HEADER, ...rows].join('\n');

    // Act
    const result = await validate(text);

    // Assess
    expect(result.valid).toBe(true);
    expect(result.error).toBeNull();
    expect(result.malformedRows).toBe(1);
    expect(result.issues).toEqual(['row 5: order_date "2026-02-30" is not a valid date']);
  });
});

describe('validateCsv on empty input', () => {
  it('reports EmptyFileError for a 0-byte file', async () => {
    // Prepare
    const text = '';

    // Act
    const result = await validate(text);

    // Assess
    expect(result.valid).toBe(false);
    expect(result.error?.name).toBe('EmptyFileError');
    expect(result.rowsChecked).toBe(0);
  });

  it('reports EmptyFileError for a file of blank lines', async () => {
    // Prepare
    const text = '\n\r\n\n';

    // Act
    const result = await validate(text);

    // Assess
    expect(result.error?.name).toBe('EmptyFileError');
  });

  it('reports NoDataRowsError for a header without rows', async () => {
    // Prepare
    const text = `${HEADER}\n`;

    // Act
    const result = await validate(text);

    // Assess
    expect(result.valid).toBe(false);
    expect(result.error?.name).toBe('NoDataRowsError');
    expect(result.header).toEqual(HEADER.split(','));
  });
});

describe('validateCsv header checks', () => {
  it('reports HeaderMismatchError for an unknown column name', async () => {
    // Prepare
    const text = `${HEADER.replace('customer_email', 'email')}\n${row(1)}\n`;

    // Act
    const result = await validate(text);

    // Assess
    expect(result.valid).toBe(false);
    expect(result.error?.name).toBe('HeaderMismatchError');
    expect(result.error?.message).toContain('unknown: "email"');
    expect(result.error?.message).toContain('missing: customer_email');
  });

  it('reports HeaderMismatchError for a missing required column', async () => {
    // Prepare
    const header = HEADER.replace(',status', '');
    const values = row(1).replace(',PAID', '');
    const text = `${header}\n${values}\n`;

    // Act
    const result = await validate(text);

    // Assess
    expect(result.error?.name).toBe('HeaderMismatchError');
    expect(result.error?.message).toContain('missing: status');
    expect(result.error?.message).not.toContain('unknown');
  });

  it('reports HeaderMismatchError for a repeated column name', async () => {
    // Prepare
    const text = `${HEADER},order_id\n${row(1)},ORD-1\n`;

    // Act
    const result = await validate(text);

    // Assess
    expect(result.error?.name).toBe('HeaderMismatchError');
    expect(result.error?.message).toContain('repeated: order_id');
  });

  it('trims spaces around header names', async () => {
    // Prepare
    const header = HEADER.split(',')
      .map((n) => ` ${n} `)
      .join(',');
    const text = `${header}\n${row(1)}\n`;

    // Act
    const result = await validate(text);

    // Assess
    expect(result.valid).toBe(true);
    expect(result.header).toEqual(HEADER.split(','));
  });

  it('accepts a header without an optional column', async () => {
    // Prepare
    const dataset = ordersDataset((d) => {
      (d.columns as Record<string, unknown>[])[10].required = false;
    });
    const header = HEADER.replace(',notes', '');
    const values = row(1).slice(0, -1);
    const text = `${header}\n${values}\n`;

    // Act
    const result = await validate(text, dataset);

    // Assess
    expect(result.error).toBeNull();
    expect(result.rowsChecked).toBe(1);
  });
});

describe('validateCsv encoding checks', () => {
  it('reports EncodingError for gzip data cut short', async () => {
    // Prepare
    const bytes = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b, 0x4c]);

    // Act
    const result = await validate(bytes);

    // Assess
    expect(result.valid).toBe(false);
    expect(result.error?.name).toBe('EncodingError');
    expect(result.error?.message).toContain('gzip');
  });

  it('reports EncodingError for a Latin-1 byte (0xE9)', async () => {
    // Prepare
    const bytes = Buffer.concat([Buffer.from(`${HEADER}\n${row(1, 'caf')}`, 'utf-8'), Buffer.from([0xe9]), Buffer.from(`\n${row(2)}\n`, 'utf-8')]);

    // Act
    const result = await validate(bytes);

    // Assess
    expect(result.valid).toBe(false);
    expect(result.error?.name).toBe('EncodingError');
    expect(result.error?.message).toContain('UTF-8');
  });

  it('reports EncodingError for a Latin-1 byte at the very end of the file', async () => {
    // Prepare
    const bytes = Buffer.concat([Buffer.from(`${HEADER}\n${row(1, 'caf')}`, 'utf-8'), Buffer.from([0xe9])]);

    // Act
    const result = await validate(bytes);

    // Assess
    expect(result.error?.name).toBe('EncodingError');
  });

  it('accepts real UTF-8 text such as é', async () => {
    // Prepare
    const text = `${HEADER}\n${row(1, 'café')}\n`;

    // Act
    const result = await validate(text);

    // Assess
    expect(result.valid).toBe(true);
  });

  it('accepts a UTF-8 character split across two stream chunks', async () => {
    // Prepare
    const bytes = Buffer.from(`${HEADER}\n${row(1, 'café')}\n`, 'utf-8');
    const split = bytes.indexOf(0xa9); // second byte of é (C3 A9)
    const source = Readable.from([bytes.subarray(0, split), bytes.subarray(split)]);

    // Act
    const result = await validateCsv(source, ORDERS, bytes.length);

    // Assess
    expect(result.error).toBeNull();
    expect(result.rowsChecked).toBe(1);
  });

  it('reports EncodingError for NUL bytes', async () => {
    // Prepare
    const bytes = Buffer.concat([Buffer.from(`${HEADER}\n`, 'utf-8'), Buffer.from([0x00, 0x00, 0x01, 0x02]), Buffer.from(`\n${row(1)}\n`)]);

    // Act
    const result = await validate(bytes);

    // Assess
    expect(result.valid).toBe(false);
    expect(result.error?.name).toBe('EncodingError');
    expect(result.error?.message).toContain('NUL');
  });

  it('reports EncodingError for UTF-16 text', async () => {
    // Prepare
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${HEADER}\n${row(1)}\n`, 'utf16le')]);

    // Act
    const result = await validate(bytes);

    // Assess
    expect(result.error?.name).toBe('EncodingError');
  });
});

describe('validateCsv row checks', () => {
  it('reports MalformedRowsError when many rows have the wrong field count', async () => {
    // Prepare: 5 of 10 rows lack the notes field
    const rows = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? row(i + 1).slice(0, -1) : row(i + 1)));
    const text = [HEADER, ...rows].join('\n');

    // Act
    const result = await validate(text);

    // Assess
    expect(result.valid).toBe(false);
    expect(result.error?.name).toBe('MalformedRowsError');
    expect(result.error?.message).toContain('5 of 10 rows are malformed');
    expect(result.malformedRows).toBe(5);
    expect(result.rowsChecked).toBe(10);
    expect(result.issues[0]).toBe('row 1: expected 11 fields, found 10');
  });

  it('reports an empty required value and a badly typed value', async () => {
    // Prepare
    const text = [HEADER, row(1).replace('ORD-000001', ''), row(2).replace(',2,', ',two,'), row(3)].join('\n');

    // Act
    const result = await validate(text);

    // Assess
    expect(result.error?.name).toBe('MalformedRowsError');
    expect(result.issues).toEqual(['row 1: order_id is empty', 'row 2: quantity "two" is not a valid integer']);
  });

  it(`quotes at most ${MAX_REPORTED_ISSUES} issues and shortens long values`, async () => {
    // Prepare
    const longValue = 'x'.repeat(60);
    const rows = Array.from({ length: 25 }, (_, i) => row(i + 1).replace(',2,', `,${longValue},`));
    const text = [HEADER, ...rows].join('\n');

    // Act
    const result = await validate(text);

    // Assess
    expect(result.malformedRows).toBe(25);
    expect(result.issues).toHaveLength(MAX_REPORTED_ISSUES);
    expect(result.issues[0]).toBe(`row 1: quantity "${'x'.repeat(40)}…" is not a valid integer`);
  });

  it('never throws for an unterminated quote: it reports a named error', async () => {
    // Prepare
    const text = `${HEADER}\n${row(1)}\n${row(2, '"this note never ends')}\n${row(3)}\n`;

    // Act
    const result = await validate(text);

    // Assess
    expect(result.valid).toBe(false);
    expect(result.error?.name).toBe('MalformedCsvError');
    expect(result.error?.message).toContain('missing closing');
  });

  it('reports MalformedCsvError for an unterminated quote on the last line', async () => {
    // Prepare
    const text = `${HEADER}\n${row(1)}\n${row(2, '"no closing quote')}`;

    // Act
    const result = await validate(text);

    // Assess
    expect(result.error?.name).toBe('MalformedCsvError');
  });

  it('reports MalformedCsvError for text after a closing quote', async () => {
    // Prepare
    const text = `${HEADER}\n${row(1, '"quoted"trailing')}\n`;

    // Act
    const result = await validate(text);

    // Assess
    expect(result.valid).toBe(false);
    expect(result.error?.name).toBe('MalformedCsvError');
  });
});

describe('validateCsv sampling', () => {
  const SAMPLING = ordersDataset((d) => {
    d.validation = { fullScanMaxBytes: 100, sampleRows: 5 };
  });

  it('checks only sampleRows rows of a file above fullScanMaxBytes', async () => {
    // Prepare
    const text = [HEADER, ...Array.from({ length: 50 }, (_, i) => row(i + 1))].join('\n');

    // Act
    const result = await validate(text, SAMPLING);

    // Assess
    expect(result.valid).toBe(true);
    expect(result.sampled).toBe(true);
    expect(result.rowsChecked).toBe(5);
  });

  it('does not see a bad row beyond the sample', async () => {
    // Prepare
    const rows = Array.from({ length: 50 }, (_, i) => (i < 5 ? row(i + 1) : 'garbage'));
    const text = [HEADER, ...rows].join('\n');

    // Act
    const result = await validate(text, SAMPLING);

    // Assess
    expect(result.valid).toBe(true);
    expect(result.malformedRows).toBe(0);
  });

  it('fails on malformed sampled rows, saying they were sampled', async () => {
    // Prepare
    const rows = Array.from({ length: 50 }, () => 'garbage');
    const text = [HEADER, ...rows].join('\n');

    // Act
    const result = await validate(text, SAMPLING);

    // Assess
    expect(result.sampled).toBe(true);
    expect(result.rowsChecked).toBe(5);
    expect(result.error?.name).toBe('MalformedRowsError');
    expect(result.error?.message).toContain('5 of 5 sampled rows are malformed');
  });

  it('scans the whole file when it is not larger than fullScanMaxBytes', async () => {
    // Prepare
    const text = [HEADER, ...Array.from({ length: 50 }, (_, i) => row(i + 1))].join('\n');

    // Act
    const result = await validate(text, SAMPLING, 100);

    // Assess
    expect(result.sampled).toBe(false);
    expect(result.rowsChecked).toBe(50);
  });

  it('stops reading a large multi-chunk stream once the sample is checked', async () => {
    // Prepare
    let chunksRead = 0;
    function* chunks(): Generator<Buffer> {
      yield Buffer.from(`${HEADER}\n`);
      for (let i = 1; i <= 10_000; i += 1) {
        chunksRead += 1;
        yield Buffer.from(`${row(i)}\n`);
      }
    }

    // Act
    const result = await validateCsv(Readable.from(chunks()), SAMPLING, 10_000_000);

    // Assess
    expect(result.rowsChecked).toBe(5);
    expect(result.sampled).toBe(true);
    expect(chunksRead).toBeLessThan(10_000);
  });
});

describe('validateCsv value formats', () => {
  const EU = ordersDataset((d) => {
    Object.assign(d, { decimalChar: ',', groupChar: '.', trim: true, missingValues: ['NULL', 'N/A'] });
    const columns = d.columns as Record<string, unknown>[];
    Object.assign(columns.find((c) => c.name === 'order_date') as object, { format: '%d.%m.%Y' });
  });
  const euRow = (price: string, date: string, notes = ''): string =>
    `ORD-000001,CUST-1001,bob@example.com,SKU-1,2,${price},EUR,2026-11-25T09:00:00Z,${date},PAID,${notes}`;

  it('reads decimal commas, trimmed values, missing tokens and dates in their format', async () => {
    // Prepare
    const text = [HEADER, euRow('"1.234,56"', '31.12.2024'), euRow('" 19,90 "', ' 1.2.2025 ', 'N/A'), euRow('5', '29.02.2024', 'NULL')].join('\n') + '\n';

    // Act
    const result = await validate(text, EU);

    // Assess
    expect(result).toMatchObject({ valid: true, rowsChecked: 3, malformedRows: 0, issues: [] });
  });

  it('names the column, the value and the expected format of a date that does not fit', async () => {
    // Prepare
    const text = [HEADER, euRow('1', '31.12.2024'), euRow('1', '2024-12-31'), euRow('19.90', '31.12.2024'), euRow('1', 'NULL')].join('\n') + '\n';

    // Act
    const result = await validate(text, EU);

    // Assess
    expect(result.issues).toEqual([
      'row 2: order_date: "2024-12-31" does not match the date format %d.%m.%Y',
      'row 3: unit_price "19.90" is not a valid decimal',
      'row 4: order_date is empty',
    ]);
  });
});

describe('validateCsv dialects, encodings and compression (issue 20)', () => {
  const withDialect = (dialect: Record<string, unknown>, patch: (raw: Record<string, unknown>) => void = () => undefined): DatasetConfig =>
    ordersDataset((raw) => {
      raw.dialect = dialect;
      patch(raw);
    });
  const lines = (delimiter: string, rows: string[]): string => `${[HEADER, ...rows].map((l) => l.split(',').join(delimiter)).join('\n')}\n`;

  it.each([
    ['semicolon', ';'],
    ['tab', '\t'],
    ['pipe', '|'],
  ])('reads a %s-delimited file', async (_name, delimiter) => {
    const result = await validate(lines(delimiter, [row(1), row(2)]), withDialect({ delimiter }));
    expect(result.error).toBeNull();
    expect(result.rowsChecked).toBe(2);
    expect(result.header).toEqual(HEADER.split(','));
  });

  it('reads the comma file as one unknown column when the dataset declares semicolons', async () => {
    const result = await validate(lines(',', [row(1)]), withDialect({ delimiter: ';' }));
    expect(result.error?.name).toBe('HeaderMismatchError');
  });

  it("reads values quoted with ' (quoteChar)", async () => {
    const text = `${HEADER}\n${row(1, "'a, b'")}\n${row(2, "'it''s'")}\n`;
    const result = await validate(text, withDialect({ quoteChar: "'" }));
    expect(result.error).toBeNull();
    expect(result.rowsChecked).toBe(2);
  });

  it('reads a quote escaped with a backslash (escapeChar)', async () => {
    const text = `${HEADER}\n${row(1, '"say \\"hi\\", then go"')}\n`;
    const result = await validate(text, withDialect({ escapeChar: '\\', doubleQuote: false }));
    expect(result.error).toBeNull();
    expect(result.rowsChecked).toBe(1);
  });

  it('skips the title lines above the header (skipRows), quotes in them included', async () => {
    const text = `Orders export "Q1\nexported 2024-01-01; by a, b\n${HEADER}\n${row(1)}\n${row(2)}\n`;
    const result = await validate(text, withDialect({ skipRows: 2 }));
    expect(result.error).toBeNull();
    expect(result.rowsChecked).toBe(2);
  });

  it('reads a file without a header by position (header false)', async () => {
    const result = await validate(`${row(1)}\n${row(2)}\n`, withDialect({ header: false }));
    expect(result.error).toBeNull();
    expect(result.rowsChecked).toBe(2);
    expect(result.header).toEqual(HEADER.split(','));
  });

  it('counts a wrong field count of a header-less file as a malformed row', async () => {
    const result = await validate(
      `${row(1)}\n${row(2)},extra\n`,
      withDialect({ header: false }, (raw) => (raw.quality = { malformedRowRatio: { fail: 0.9 } })),
    );
    expect(result.malformedRows).toBe(1);
    expect(result.issues[0]).toContain('expected 11 fields, found 12');
  });

  it('matches the header by source: "Order ID" is order_id', async () => {
    const dataset = ordersDataset((raw) => {
      (raw.columns as Record<string, unknown>[])[0].source = 'Order ID';
    });
    const result = await validate(`${HEADER.replace('order_id', 'Order ID')}\n${row(1)}\n`, dataset);
    expect(result.error).toBeNull();
    const refused = await validate(`${HEADER}\n${row(1)}\n`, dataset);
    expect(refused.error?.message).toContain('unknown: "order_id"');
    expect(refused.error?.message).toContain('missing: Order ID');
  });

  it('refuses an extra column by default, naming it; ignores it (not read) with extraColumns ignore', async () => {
    const text = `${HEADER},Internal Note\n${row(1)},not a checked value\n`;
    const refused = await validate(text);
    expect(refused.error?.name).toBe('HeaderMismatchError');
    expect(refused.error?.message).toContain('unknown: "Internal Note"');
    const ignored = await validate(
      text,
      ordersDataset((raw) => (raw.extraColumns = 'ignore')),
    );
    expect(ignored.error).toBeNull();
    expect(ignored.rowsChecked).toBe(1);
  });

  it('reads an extra column placed between declared ones, checking the others by position', async () => {
    const names = HEADER.split(',');
    const values = row(1).split(',');
    names.splice(2, 0, 'x');
    values.splice(2, 0, 'anything');
    const bad = row(2).split(',');
    bad.splice(2, 0, 'anything');
    bad[5] = 'two'; // quantity
    const dataset = ordersDataset((raw) => {
      raw.extraColumns = 'ignore';
      raw.quality = { malformedRowRatio: { fail: 0.9 } };
    });
    const result = await validate(`${names.join(',')}\n${values.join(',')}\n${bad.join(',')}\n`, dataset);
    expect(result.malformedRows).toBe(1);
    expect(result.issues[0]).toContain('quantity');
  });

  it('reads gzip bytes whatever the name, and measures the uncompressed size', async () => {
    const text = `${HEADER}\n${row(1)}\n${row(2)}\n`;
    const bytes = gzipSync(text);
    const result = await validate(bytes);
    expect(result.error).toBeNull();
    expect(result.rowsChecked).toBe(2);
    expect(result.compression).toBe('gzip');
    expect(result.sizeBytes).toBe(bytes.length);
    expect(result.uncompressedBytes).toBe(Buffer.byteLength(text));
    expect(result.uncompressedSizeBytes).toBe(Buffer.byteLength(text));
  });

  it('samples a gzip file whose uncompressed size passes fullScanMaxBytes (measured, or stated by its trailer)', async () => {
    const text = `${HEADER}\n${Array.from({ length: 50 }, (_, i) => row(i + 1)).join('\n')}\n`;
    const bytes = gzipSync(text);
    const dataset = ordersDataset((raw) => (raw.validation = { fullScanMaxBytes: 2000, sampleRows: 5 }));
    const measured = await validateCsv(Readable.from([bytes]), dataset, bytes.length);
    expect(bytes.length).toBeLessThan(2000);
    expect(measured.sampled).toBe(true);
    expect(measured.rowsChecked).toBeLessThan(50);
    expect(measured.uncompressedSizeBytes).toBeGreaterThan(2000);
    const stated = await validateCsv(Readable.from([bytes]), dataset, bytes.length, { gzipTrailer: async () => bytes.subarray(-4) });
    expect(stated.sampled).toBe(true);
    expect(stated.rowsChecked).toBe(5);
    expect(stated.statedUncompressedBytes).toBe(Buffer.byteLength(text));
    expect(stated.uncompressedSizeBytes).toBe(Buffer.byteLength(text));
  });

  it('reads Windows-1252 (and ISO-8859-1 as Windows-1252): € and é intact', async () => {
    const text = `${HEADER}\n${row(1, 'café 5 €')}\n`;
    const bytes = Buffer.from(new Uint8Array([...text].map((c) => (c === '€' ? 0x80 : c === 'é' ? 0xe9 : c.charCodeAt(0)))));
    for (const encoding of ['windows-1252', 'iso-8859-1']) {
      const result = await validate(bytes, withDialect({ encoding }));
      expect(result.error).toBeNull();
    }
    expect((await validate(bytes)).error?.message).toContain('line 2: bytes that are not UTF-8 (0xE9 0x20)');
  });

  it('reads UTF-16 LE and BE by their byte-order mark', async () => {
    const text = `${HEADER}\n${row(1, 'café €')}\n`;
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    for (const bytes of [le, be]) {
      const result = await validate(bytes, withDialect({ encoding: 'utf-16' }));
      expect(result.error).toBeNull();
      expect(result.rowsChecked).toBe(1);
    }
    expect((await validate(le)).error?.message).toContain('UTF-16');
  });

  it('refuses a zip file in one line naming gzip', async () => {
    const result = await validate(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00]));
    expect(result.error?.name).toBe('EncodingError');
    expect(result.error?.message).toMatch(/zip-compressed.*gzip/);
  });

  it('reads an Excel-EU export: BOM, CRLF, semicolons, a source header', async () => {
    const dataset = ordersDataset((raw) => {
      raw.dialect = { delimiter: ';' };
      (raw.columns as Record<string, unknown>[])[0].source = 'Order ID';
    });
    const text = `\uFEFF${[HEADER.replace('order_id', 'Order ID'), row(1), row(2)].map((l) => l.split(',').join(';')).join('\r\n')}\r\n`;
    const result = await validate(text, dataset);
    expect(result.error).toBeNull();
    expect(result.rowsChecked).toBe(2);
  });
});
