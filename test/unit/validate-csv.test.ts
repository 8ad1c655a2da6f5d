import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';

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
  it('reports EncodingError for gzip-compressed bytes', async () => {
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
