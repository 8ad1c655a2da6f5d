/**
 * `etl infer`'s core: header names in snake_case, the match glob, the number style, boolean
 * spellings, and on each real-world file (without DuckDB's sniffer: the fallback detection) the
 * dialect, encoding, types and formats inferred, the document valid against etl.config.schema.json.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import Ajv2020 from 'ajv/dist/2020';

import { columnNames, datasetNameFromFile, snakeCase } from '../../core/config/column-names';
import { booleanSpellings, datasetNumberStyle, inferDataset, matchGlob } from '../../core/config/infer-dataset';
import { detectEncoding, readInput } from '../../core/config/infer-input';
import { EncodingError } from '../../core/errors';
import { REAL_WORLD_FILES, windows1252 } from '../corpus/real-world';
import { PROJECT_ROOT } from '../helpers/local-root';

const schema = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'etl.config.schema.json'), 'utf-8')) as Record<string, unknown>;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

describe('column names from headers', () => {
  it.each([
    ['Order ID', 'order_id'],
    ['Unit Price (EUR)', 'unit_price_eur'],
    ['ORDER DATE', 'order_date'],
    ['Créé le', 'cree_le'],
    ['Straße', 'strasse'],
    ['orderId', 'order_id'],
    ['customerID', 'customer_id'],
    ['HTTPStatus', 'http_status'],
    ['2024 Total', 'col_2024_total'],
    ['Margin %', 'margin_pct'],
    ['  spaced  out  ', 'spaced_out'],
    ['Montant (€)', 'montant_eur'],
  ])('%s → %s', (header, name) => {
    expect(snakeCase(header, 'x')).toBe(name);
  });

  it('de-duplicates with _2, renames dt, names an empty header by position', () => {
    expect(columnNames(['Total', 'total', 'TOTAL', 'dt', '', '***'])).toEqual(['total', 'total_2', 'total_3', 'dt_value', 'column_5', 'column_6']);
  });

  it('names the dataset after the file, never a reserved name', () => {
    expect(datasetNameFromFile('exports/Orders 2024.csv.gz')).toBe('orders_2024');
    expect(datasetNameFromFile('latest.csv')).toBe('latest_data');
    expect(datasetNameFromFile('2024.csv')).toBe('data_2024');
  });
});

describe('match glob', () => {
  it.each([
    ['orders.csv', 'extract/**/orders*.csv'],
    ['orders.csv.gz', 'extract/**/orders*.csv.gz'],
    ['report.tsv', 'extract/**/report*.tsv'],
    ['orders (1).csv', 'extract/**/orders ?1?*.csv'],
    ['README', 'extract/**/README*'],
  ])('%s → %s', (file, glob) => {
    expect(matchGlob(file)).toBe(glob);
  });
});

describe('value styles', () => {
  it('reads the number style from the values that say it', () => {
    expect(datasetNumberStyle(['1.234,56', '3', 'x'])).toEqual({ decimalChar: ',', groupChar: '.' });
    expect(datasetNumberStyle(['5,50', '1'])).toEqual({ decimalChar: ',' });
    expect(datasetNumberStyle(['1,234.56'])).toEqual({ decimalChar: '.', groupChar: ',' });
    expect(datasetNumberStyle(['1.234', '1,234'])).toEqual({ decimalChar: '.' });
  });

  it('declares boolean spellings only beyond the defaults, with the counterpart of a one-sided column', () => {
    expect(booleanSpellings(['true', 'FALSE', '1'])).toEqual({});
    expect(booleanSpellings(['Yes', 'No'])).toEqual({ trueValues: ['Yes'], falseValues: ['No'] });
    expect(booleanSpellings(['Y', 'Y'])).toEqual({ trueValues: ['Y'], falseValues: ['N'] });
    expect(booleanSpellings(['yes', 'maybe'])).toBeUndefined();
  });
});

describe('encoding and compression', () => {
  it('detects UTF-16 by BOM, UTF-8 when it decodes, else Windows-1252', () => {
    expect(detectEncoding(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n', 'utf16le')]))).toBe('utf-16');
    expect(detectEncoding(Buffer.from('a,é\n', 'utf-8'))).toBe('utf-8');
    expect(detectEncoding(windows1252('a,€\n'))).toBe('windows-1252');
  });

  it('refuses a compression no engine reads, naming gzip', async () => {
    await expect(readInput(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]))).rejects.toThrow(EncodingError);
    await expect(readInput(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]))).rejects.toThrow(/zip.*gzip/);
  });
});

describe('inferDataset on the real-world files (no sniffer)', () => {
  it.each(REAL_WORLD_FILES.map((f) => [f.title, f] as const))('%s', async (_title, file) => {
    // Prepare
    const source = file.inferFrom ?? file;
    const decoded = await readInput(source.bytes);

    // Act
    const { document } = inferDataset({ fileName: source.name, decoded });

    // Assess
    expect(validate(document)).toBe(true);
    const [dataset] = document.datasets as { columns: { name: string }[] }[];
    expect(dataset).toMatchObject(file.inferred.dataset ?? {});
    const byName = Object.fromEntries(dataset.columns.map((c) => [c.name, c]));
    for (const [name, expected] of Object.entries(file.inferred.columns)) expect(byName[name]).toMatchObject(expected);
  });
});
