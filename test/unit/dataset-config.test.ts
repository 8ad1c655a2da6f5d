import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { formatColumnType, parseColumnType } from '../../core/config/column-type';
import { type EtlConfig, findDatasetForKey, getDataset, parseConfig, parseConfigText } from '../../core/config/dataset-config';
import { ConfigError } from '../../core/errors';

const CONFIG_PATH = join(__dirname, '..', '..', 'etl.config.json');

/** The real configuration file, as raw JSON (a fresh copy each call, safe to modify). */
function rawConfig(): { datasets: Record<string, unknown>[] } & Record<string, unknown> {
  return JSON.parse(readFileSync(CONFIG_PATH, 'utf-8'));
}

/** A small valid dataset declaration, for tests that build their own config. */
function minimalDataset(name = 'customers'): Record<string, unknown> {
  return {
    name,
    match: `extract/**/*${name}*.csv`,
    columns: [
      { name: 'customer_id', type: 'string' },
      { name: 'updated_at', type: 'timestamp' },
      { name: 'comment', type: 'string', nullable: true },
    ],
  };
}

/** Parses the document and returns the ConfigError it throws (fails the test when it does not throw). */
function configErrorOf(document: unknown): ConfigError {
  try {
    parseConfig(document, 'etl.config.json');
  } catch (e: unknown) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected parseConfig to throw a ConfigError');
}

describe('parseConfigText on the real etl.config.json', () => {
  let config: EtlConfig;

  beforeAll(() => {
    config = parseConfigText(readFileSync(CONFIG_PATH, 'utf-8'), 'etl.config.json');
  });

  it('declares the orders dataset with exactly its eleven columns, in order', () => {
    // Prepare
    const expected = [
      { name: 'order_id', type: 'string', nullable: false },
      { name: 'customer_id', type: 'string', nullable: false },
      { name: 'customer_email', type: 'string', nullable: false },
      { name: 'product_sku', type: 'string', nullable: false },
      { name: 'quantity', type: 'integer', nullable: false },
      { name: 'unit_price', type: 'decimal(12,2)', nullable: false },
      { name: 'currency', type: 'string', nullable: false },
      { name: 'order_ts', type: 'timestamp', nullable: false },
      { name: 'order_date', type: 'date', nullable: false },
      { name: 'status', type: 'string', nullable: false },
      { name: 'notes', type: 'string', nullable: true },
    ];

    // Act
    const orders = getDataset(config, 'orders');
    const columns = orders.columns.map((c) => ({ name: c.name, type: formatColumnType(c.type), nullable: c.nullable }));

    // Assess
    expect(columns).toEqual(expected);
    expect(orders.columns.every((c) => c.required)).toBe(true);
  });

  it('parses the orders column types into their structured form', () => {
    // Prepare
    const orders = getDataset(config, 'orders');

    // Act
    const byName = new Map(orders.columns.map((c) => [c.name, c.type]));

    // Assess
    expect(byName.get('quantity')).toEqual({ kind: 'integer' });
    expect(byName.get('unit_price')).toEqual({ kind: 'decimal', precision: 12, scale: 2 });
    expect(byName.get('order_ts')).toEqual({ kind: 'timestamp' });
    expect(byName.get('order_date')).toEqual({ kind: 'date' });
  });

  it('dedupes orders by order_id, keeping the latest order_ts', () => {
    // Prepare
    const orders = getDataset(config, 'orders');

    // Act
    const dedupe = orders.dedupe;

    // Assess
    expect(dedupe).toEqual({ keys: ['order_id'], keepLatestBy: 'order_ts' });
  });

  it('keeps the configured quality thresholds and validation limits', () => {
    // Prepare
    const orders = getDataset(config, 'orders');

    // Act
    const { quality, validation, partitioning } = orders;

    // Assess
    expect(quality.malformedRowRatio).toEqual({ warn: 0.0001, fail: 0.1 });
    expect(quality.duplicateRatio).toEqual({ warn: 0.1, fail: 0.9 });
    expect(quality.volumeChangeRatio).toEqual({ warn: 0.5 });
    expect(quality.emptyAfterDedupe).toBe('fail');
    expect(validation).toEqual({ fullScanMaxBytes: 16777216, sampleRows: 10000 });
    expect(partitioning).toEqual({ by: 'ingestion_date', firstDate: '2020-01-01' });
  });
});

describe('parseConfig defaults', () => {
  it('fills in dedupe, partitioning, quality and validation defaults, and required/nullable per column', () => {
    // Prepare
    const document = { datasets: [minimalDataset()] };

    // Act
    const dataset = parseConfig(document).datasets[0];

    // Assess
    expect(dataset.dedupe).toEqual({ keys: [] });
    expect(dataset.partitioning).toEqual({ by: 'ingestion_date', firstDate: '2020-01-01' });
    expect(dataset.quality.emptyAfterDedupe).toBe('fail');
    expect(dataset.quality.malformedRowRatio).toEqual({ warn: 0, fail: 0.1 });
    expect(dataset.validation).toEqual({ fullScanMaxBytes: 16 * 1024 * 1024, sampleRows: 10_000 });
    expect(dataset.columns.map((c) => [c.name, c.required, c.nullable])).toEqual([
      ['customer_id', true, false],
      ['updated_at', true, false],
      ['comment', true, true],
    ]);
  });
});

describe('parseConfig errors name the field path and the problem', () => {
  it('rejects an unknown column type', () => {
    // Prepare
    const document = rawConfig();
    (document.datasets[0].columns as Record<string, unknown>[])[1].type = 'int';

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.name).toBe('ConfigError');
    expect(error.message).toContain('datasets[0].columns[1].type');
    expect(error.message).toContain('unknown type "int"');
    expect(error.message).toContain('decimal(p,s)');
  });

  it('rejects a decimal whose scale exceeds its precision', () => {
    // Prepare
    const document = rawConfig();
    (document.datasets[0].columns as Record<string, unknown>[])[5].type = 'decimal(2,5)';

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message).toContain('datasets[0].columns[5].type');
    expect(error.message).toContain('decimal scale 5 exceeds precision 2');
  });

  it.each(['decimal(0,0)', 'decimal(39,2)'])('rejects the out-of-range precision of %s', (spelling) => {
    // Prepare
    const document = rawConfig();
    (document.datasets[0].columns as Record<string, unknown>[])[5].type = spelling;

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message).toContain('datasets[0].columns[5].type');
    expect(error.message).toContain('decimal precision must be 1–38');
  });

  it('rejects a duplicate column, pointing at the second occurrence', () => {
    // Prepare
    const document = rawConfig();
    (document.datasets[0].columns as Record<string, unknown>[])[2].name = 'order_id';

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message).toContain('datasets[0].columns[2].name');
    expect(error.message).toContain('duplicate column "order_id"');
  });

  it('rejects a column named dt: the partition column of every output', () => {
    // Prepare
    const document = rawConfig();
    (document.datasets[0].columns as Record<string, unknown>[])[8].name = 'dt';

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message).toContain('datasets[0].columns[8].name');
    expect(error.message).toContain('"dt" is reserved: it is the partition column of every output');
  });

  it('rejects a dedupe key that is not a declared column', () => {
    // Prepare
    const document = rawConfig();
    document.datasets[0].dedupe = { keys: ['order_number'], keepLatestBy: 'order_ts' };

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message).toContain('datasets[0].dedupe.keys[0]');
    expect(error.message).toContain('dedupe key "order_number" is not a declared column');
  });

  it('rejects keepLatestBy on a nullable column', () => {
    // Prepare
    const document = rawConfig();
    document.datasets[0].dedupe = { keys: ['order_id'], keepLatestBy: 'notes' };

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message).toContain('datasets[0].dedupe.keepLatestBy');
    expect(error.message).toContain('keepLatestBy column "notes" must be required and not nullable');
  });

  it('rejects keepLatestBy without dedupe keys', () => {
    // Prepare
    const document = rawConfig();
    document.datasets[0].dedupe = { keepLatestBy: 'order_ts' };

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message).toContain('datasets[0].dedupe.keepLatestBy: needs dedupe.keys');
  });

  it('rejects a match glob that does not start with extract/', () => {
    // Prepare
    const document = rawConfig();
    document.datasets[0].match = 'incoming/**/*orders*.csv';

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message).toContain('datasets[0].match');
    expect(error.message).toContain('must start with "extract/"');
  });

  it('rejects an unknown extra property on a dataset', () => {
    // Prepare
    const document = rawConfig();
    document.datasets[0].colour = 'blue';

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message).toContain('datasets[0]');
    expect(error.message).toMatch(/unrecognized key.*"colour"/i);
  });

  it('rejects an unknown extra property on a column', () => {
    // Prepare
    const document = rawConfig();
    (document.datasets[0].columns as Record<string, unknown>[])[3].nullabel = true;

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message).toContain('datasets[0].columns[3]');
    expect(error.message).toMatch(/unrecognized key.*"nullabel"/i);
  });

  it('rejects overlapping match globs, naming both datasets and a key both match', () => {
    // Prepare
    const document = rawConfig();
    document.datasets.push({ ...minimalDataset(), match: 'extract/**/*.csv' });

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message).toContain(
      'datasets[1].match: "extract/**/*.csv" overlaps datasets[0].match "extract/**/*orders*.csv" (both match "extract/orders.csv"); make them disjoint',
    );
  });

  it('reports each overlapping pair once, at the later dataset', () => {
    // Prepare
    const document = {
      datasets: [
        { ...minimalDataset('orders'), match: 'extract/orders/**' },
        { ...minimalDataset('customers'), match: 'extract/customers/**' },
        { ...minimalDataset('everything'), match: 'extract/**' },
      ],
    };

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message.split('\n').slice(1)).toEqual([
      '  datasets[2].match: "extract/**" overlaps datasets[0].match "extract/orders/**" (both match "extract/orders"); make them disjoint',
      '  datasets[2].match: "extract/**" overlaps datasets[1].match "extract/customers/**" (both match "extract/customers"); make them disjoint',
    ]);
  });

  it('accepts disjoint match globs', () => {
    // Prepare
    const document = {
      datasets: [
        { ...minimalDataset('orders'), match: 'extract/orders/**' },
        { ...minimalDataset('customers'), match: 'extract/customers/**' },
        { ...minimalDataset('readings'), match: 'extract/readings/*.tsv' },
      ],
    };

    // Act
    const config = parseConfig(document);

    // Assess
    expect(config.datasets.map((d) => d.name)).toEqual(['orders', 'customers', 'readings']);
  });

  it('refuses a glob the overlap check cannot decide (a negated extglob)', () => {
    // Prepare
    const document = rawConfig();
    document.datasets.push({ ...minimalDataset(), match: 'extract/!(orders)*.csv' });

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message).toContain('datasets[1].match: "extract/!(orders)*.csv" cannot be checked against the other datasets\' globs ((?!(?:orders))');
  });

  it("rejects a dataset named latest: load/latest/ holds every dataset's current state", () => {
    // Prepare
    const document = { datasets: [minimalDataset('latest')] };

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message).toContain(
      'datasets[0].name: "latest" is reserved: its folder load/latest/ holds every dataset\'s current state (load/latest/<dataset>/)',
    );
  });

  it("rejects a dataset name ending in _latest: the name of another dataset's state table", () => {
    // Prepare
    const document = { datasets: [minimalDataset('orders_latest')] };

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message).toContain(
      'datasets[0].name: names ending in "_latest" are reserved: "orders_latest" is the table of dataset "orders"\'s current state; rename the dataset',
    );
  });

  it.each(['latest_orders', 'latestx', 'orders_latest_v2'])('accepts the dataset name %s', (name) => {
    // Prepare
    const document = { datasets: [minimalDataset(name)] };

    // Act
    const config = parseConfig(document);

    // Assess
    expect(config.datasets[0].name).toBe(name);
  });

  it('rejects two datasets with the same name', () => {
    // Prepare
    const document = rawConfig();
    document.datasets.push({ ...document.datasets[0], match: 'extract/**/*other*.csv' });

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message).toContain('datasets[1].name');
    expect(error.message).toContain('duplicate dataset "orders"');
  });

  it('lists every problem, one per line, after naming the source', () => {
    // Prepare
    const document = rawConfig();
    (document.datasets[0].columns as Record<string, unknown>[])[1].type = 'int';
    document.datasets[0].match = 'orders.csv';

    // Act
    const error = configErrorOf(document);

    // Assess
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('etl.config.json is invalid:');
    expect(lines.slice(1).sort()).toEqual([expect.stringContaining('datasets[0].columns[1].type'), expect.stringContaining('datasets[0].match')].sort());
    expect(lines).toHaveLength(3);
  });

  it('rejects a config without datasets', () => {
    // Prepare
    const document = { datasets: [] };

    // Act
    const error = configErrorOf(document);

    // Assess
    expect(error.message).toContain('datasets: declare at least one dataset');
  });

  it('turns invalid JSON text into a ConfigError naming the source', () => {
    // Prepare
    const text = '{ "datasets": [ ';

    // Act
    const act = (): EtlConfig => parseConfigText(text, 'broken.json');

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(/^broken\.json is not valid JSON: /);
  });

  it('passes a schema error of valid JSON text through as a ConfigError', () => {
    // Prepare
    const text = JSON.stringify({ datasets: [{ ...minimalDataset(), match: 'customers.csv' }] });

    // Act
    const act = (): EtlConfig => parseConfigText(text, 'inline.json');

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(/inline\.json is invalid:\n {2}datasets\[0\]\.match: must start with "extract\/"/);
  });
});

describe('parseColumnType', () => {
  it.each([
    ['string', { kind: 'string' }],
    ['  INTEGER ', { kind: 'integer' }],
    ['bigint', { kind: 'bigint' }],
    ['decimal( 10 , 0 )', { kind: 'decimal', precision: 10, scale: 0 }],
    ['double', { kind: 'double' }],
    ['boolean', { kind: 'boolean' }],
    ['date', { kind: 'date' }],
    ['timestamp', { kind: 'timestamp' }],
  ])('parses %j', (spelling, expected) => {
    // Prepare
    const input = spelling;

    // Act
    const parsed = parseColumnType(input);

    // Assess
    expect(parsed).toEqual(expected);
  });

  it.each(['int', 'decimal', 'decimal(12)', 'varchar(10)', ''])('returns an error message for %j', (spelling) => {
    // Prepare
    const input = spelling;

    // Act
    const parsed = parseColumnType(input);

    // Assess
    expect(typeof parsed).toBe('string');
    expect(parsed).toContain('unknown type');
  });
});

describe('findDatasetForKey and getDataset', () => {
  const config = parseConfigText(readFileSync(CONFIG_PATH, 'utf-8'));

  it.each(['extract/orders.csv', 'extract/2026/11/daily-orders-01.csv', 'extract/shop/orders-2026-11-25.csv'])('finds the orders dataset for %s', (key) => {
    // Prepare
    const objectKey = key;

    // Act
    const dataset = findDatasetForKey(config, objectKey);

    // Assess
    expect(dataset?.name).toBe('orders');
  });

  it.each(['extract/customers.csv', 'extract/orders.txt', 'load/orders.csv', 'orders.csv'])('finds no dataset for %s', (key) => {
    // Prepare
    const objectKey = key;

    // Act
    const dataset = findDatasetForKey(config, objectKey);

    // Assess
    expect(dataset).toBeUndefined();
  });

  it.each([
    ['extract/orders/2026/day-01.csv', 'orders'],
    ['extract/Customers/all.CSV', 'customers'],
    ['extract/returns/day-01.csv', undefined],
  ])('routes %s to the one dataset whose glob covers it', (key, expected) => {
    // Prepare
    const twoDatasets = parseConfig({
      datasets: [
        { ...minimalDataset('orders'), match: 'extract/orders/**' },
        { ...minimalDataset('customers'), match: 'extract/customers/**' },
      ],
    });

    // Act
    const dataset = findDatasetForKey(twoDatasets, key);

    // Assess
    expect(dataset?.name).toBe(expected);
  });

  it('getDataset throws a ConfigError listing the known names for an unknown dataset', () => {
    // Prepare
    const name = 'invoices';

    // Act
    const act = (): unknown => getDataset(config, name);

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow('unknown dataset "invoices"; known: orders');
  });
});

describe('how files are written: the dialect, the header sources and the value formats (issue 20)', () => {
  it('defaults to RFC 4180 UTF-8 with a header on the first line, extra columns refused', () => {
    // Act
    const dataset = parseConfig({ datasets: [minimalDataset()] }).datasets[0];

    // Assess
    expect(dataset.dialect).toEqual({ delimiter: ',', quoteChar: '"', doubleQuote: true, header: true, skipRows: 0, encoding: 'utf-8' });
    expect(dataset.extraColumns).toBe('refuse');
  });

  it('takes a European Excel export: semicolons, Windows-1252, a title line, source headers and value formats', () => {
    // Prepare
    const dataset = {
      ...minimalDataset(),
      dialect: { delimiter: ';', encoding: 'windows-1252', skipRows: 1 },
      decimalChar: ',',
      groupChar: '.',
      missingValues: ['NULL', 'N/A'],
      timezone: 'Europe/Berlin',
      columns: [
        { name: 'order_id', source: 'Order ID', type: 'string' },
        { name: 'unit_price_eur', source: 'Unit Price (EUR)', type: 'decimal(12,2)' },
        { name: 'order_date', source: 'Order Date', type: 'date', format: '%d.%m.%Y' },
        { name: 'paid', source: 'Paid', type: 'boolean', trueValues: ['ja'], falseValues: ['nein'] },
      ],
    };

    // Act
    const parsed = parseConfig({ datasets: [dataset] }).datasets[0];

    // Assess
    expect(parsed.dialect.delimiter).toBe(';');
    expect(parsed.columns.map((c) => c.source)).toEqual(['Order ID', 'Unit Price (EUR)', 'Order Date', 'Paid']);
  });

  it.each([
    ['escapeChar with doubleQuote', { dialect: { escapeChar: '\\' } }, 'dialect: escapeChar replaces doubleQuote'],
    ['an unknown delimiter', { dialect: { delimiter: ':' } }, 'dialect.delimiter'],
    ['an unknown encoding', { dialect: { encoding: 'ebcdic' } }, 'dialect.encoding'],
    ['ignoring extra columns without a header', { dialect: { header: false }, extraColumns: 'ignore' }, 'extraColumns: needs a header'],
    ['an unknown dataset time zone', { timezone: 'Mars/Olympus' }, 'timezone: unknown time zone "Mars/Olympus"'],
  ])('refuses %s', (_, fields, message) => {
    // Act
    const error = configErrorOf({ datasets: [{ ...minimalDataset(), ...fields }] });

    // Assess
    expect(error.message).toContain(message);
  });

  it.each([
    ['a format on a string column', { name: 'customer_id', type: 'string', format: '%d.%m.%Y' }, 'format: applies to date and timestamp columns only'],
    ['a format with an unknown directive', { name: 'customer_id', type: 'date', format: '%d.%q.%Y' }, 'columns[0].format'],
    ['trueValues on a date column', { name: 'customer_id', type: 'date', trueValues: ['y'] }, 'trueValues: applies to boolean columns only'],
    ['a spelling both true and false', { name: 'customer_id', type: 'boolean', trueValues: ['1'], falseValues: ['1'] }, '1 cannot be both true and false'],
    [
      'groupChar equal to decimalChar',
      { name: 'customer_id', type: 'decimal(10,2)', decimalChar: ',', groupChar: ',' },
      'groupChar and decimalChar are both ","',
    ],
    ['an unknown column time zone', { name: 'customer_id', type: 'timestamp', timezone: 'Europe/Atlantis' }, 'unknown time zone'],
  ])('refuses %s, naming the column field', (_, column, message) => {
    // Prepare
    const dataset = minimalDataset();
    const columns = dataset.columns as Record<string, unknown>[];
    columns[0] = column;

    // Act
    const error = configErrorOf({ datasets: [dataset] });

    // Assess
    expect(error.message).toContain(message);
  });

  it('refuses two columns read from one header', () => {
    // Prepare
    const dataset = minimalDataset();
    (dataset.columns as Record<string, unknown>[])[2] = { name: 'note', type: 'string', source: 'customer_id' };

    // Act
    const error = configErrorOf({ datasets: [dataset] });

    // Assess
    expect(error.message).toContain('columns[2].source: header "customer_id" is already the source of customer_id');
  });
});
