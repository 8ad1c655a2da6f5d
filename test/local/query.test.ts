/**
 * `etl query`: SQL over the local bucket's catalog tables, on Parquet files this test writes
 * itself with DuckDB's COPY in the layout the engines publish: two `dt=` loads of `orders` (the
 * first lacking the nullable `notes`), a state version and its symlink manifest (lacking `notes`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';

import { datasetLoadPrefix, formatLatestManifest, latestManifestKey, latestVersionPrefix } from '../../core/naming';
import { FolderBucket, LOCAL_BUCKET } from '../../local/runtime/folder-bucket';
import { etl } from '../helpers/cli';
import { tempRoot } from '../helpers/local-root';

/** `orders` rows as SQL, every declared column typed as the config declares it; `notes` only when given. */
function ordersSelect(rows: readonly (readonly [id: string, quantity: number, price: string, ts: string, status: string, notes?: string | null])[]): string {
  const withNotes = rows.some((r) => r.length > 5);
  return rows
    .map(
      ([id, quantity, price, ts, status, notes]) =>
        `SELECT '${id}' AS order_id, 'C-${id}' AS customer_id, '${id}@example.com' AS customer_email, 'SKU-1' AS product_sku, ` +
        `CAST(${quantity} AS INTEGER) AS quantity, CAST('${price}' AS DECIMAL(12,2)) AS unit_price, 'EUR' AS currency, ` +
        `CAST('${ts}' AS TIMESTAMPTZ) AS order_ts, CAST(substr('${ts}', 1, 10) AS DATE) AS order_date, '${status}' AS status` +
        (withNotes ? `, CAST(${notes === null || notes === undefined ? 'NULL' : `'${notes}'`} AS VARCHAR) AS notes` : ''),
    )
    .join(' UNION ALL ');
}

/** A root holding two loads of `orders` and its state, as the engines lay them out. */
async function loadedRoot(): Promise<string> {
  const root = tempRoot();
  const bucket = new FolderBucket(root);
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  const copy = async (select: string, key: string): Promise<void> => {
    const file = bucket.pathOf(key);
    mkdirSync(path.dirname(file), { recursive: true });
    await db.run(`COPY (${select}) TO '${file}' (FORMAT parquet, COMPRESSION snappy)`);
  };
  try {
    await db.run("SET TimeZone = 'UTC'");
    const load = datasetLoadPrefix('orders');
    await copy(
      ordersSelect([
        ['A-1', 1, '10.00', '2026-11-20 10:00:00.123456+00', 'PAID'],
        ['A-2', 3, '5.50', '2026-11-20 11:00:00+00', 'PAID'],
      ]),
      `${load}dt=2026-11-20/part-aaaa-0.parquet`,
    );
    await copy(
      ordersSelect([
        ['A-1', 2, '10.00', '2026-11-21 09:00:00+00', 'SHIPPED', 'left at the door'],
        ['A-3', 1, '99999999.99', '2026-11-21 12:00:00+00', 'PAID', null],
      ]),
      `${load}dt=2026-11-21/part-bbbb-0.parquet`,
    );
    const stateKey = `${latestVersionPrefix('orders', '20261121T120000Z-run-2')}part-0.parquet`;
    await copy(
      ordersSelect([
        ['A-1', 2, '10.00', '2026-11-21 09:00:00+00', 'SHIPPED'],
        ['A-2', 3, '5.50', '2026-11-20 11:00:00+00', 'PAID'],
        ['A-3', 1, '99999999.99', '2026-11-21 12:00:00+00', 'PAID'],
      ]),
      stateKey,
    );
    await bucket.write(LOCAL_BUCKET, latestManifestKey('orders'), formatLatestManifest(LOCAL_BUCKET, [stateKey]));
  } finally {
    db.closeSync();
    instance.closeSync();
  }
  return root;
}

describe('etl query', () => {
  let root: string;
  beforeAll(async () => {
    root = await loadedRoot();
  });

  it('reads the loads table with dt from the folders, and the latest table through its manifest', async () => {
    // Act
    const perDay = await etl(['query', 'SELECT dt, count(*) AS n FROM orders GROUP BY dt ORDER BY dt', '--root', root, '--json']);
    const latest = await etl(['query', 'SELECT order_id, status FROM orders_latest ORDER BY order_id', '--root', root, '--json']);

    // Assess
    expect(perDay.code).toBe(0);
    expect(perDay.out.map((l) => JSON.parse(l))).toEqual([
      { dt: '2026-11-20', n: '2' },
      { dt: '2026-11-21', n: '2' },
    ]);
    expect(latest.out.map((l) => JSON.parse(l))).toEqual([
      { order_id: 'A-1', status: 'SHIPPED' },
      { order_id: 'A-2', status: 'PAID' },
      { order_id: 'A-3', status: 'PAID' },
    ]);
  });

  it('gives both tables the declared columns and types; a column no file holds is a typed NULL', async () => {
    // Act
    const loads = await etl(['query', 'DESCRIBE orders', '--root', root, '--json']);
    const latest = await etl([
      'query',
      'SELECT count(*) AS n, count(notes) AS with_notes, typeof(any_value(notes)) AS t FROM orders_latest',
      '--root',
      root,
      '--json',
    ]);

    // Assess
    const types = Object.fromEntries(
      loads.out.map((l) => JSON.parse(l) as { column_name: string; column_type: string }).map((c) => [c.column_name, c.column_type]),
    );
    expect(types).toEqual({
      order_id: 'VARCHAR',
      customer_id: 'VARCHAR',
      customer_email: 'VARCHAR',
      product_sku: 'VARCHAR',
      quantity: 'INTEGER',
      unit_price: 'DECIMAL(12,2)',
      currency: 'VARCHAR',
      order_ts: 'TIMESTAMP WITH TIME ZONE',
      order_date: 'DATE',
      status: 'VARCHAR',
      notes: 'VARCHAR',
      dt: 'VARCHAR',
    });
    expect(JSON.parse(latest.out[0])).toEqual({ n: '3', with_notes: '0', t: 'VARCHAR' });
  });

  it('--json renders values losslessly: decimals and bigints as strings, instants ISO 8601 UTC, NULL as null', async () => {
    // Act
    const { code, out } = await etl([
      'query',
      "SELECT order_id, quantity, unit_price, order_ts, order_date, notes, 9007199254740993::BIGINT AS big FROM orders WHERE dt = '2026-11-20' ORDER BY order_id",
      '--root',
      root,
      '--json',
    ]);

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(out[0])).toEqual({
      order_id: 'A-1',
      quantity: 1,
      unit_price: '10.00',
      order_ts: '2026-11-20T10:00:00.123456Z',
      order_date: '2026-11-20',
      notes: null,
      big: '9007199254740993',
    });
  });

  it('prints an aligned table by default (NULL as such), and CSV with a header', async () => {
    // Act
    const sql = 'SELECT order_id, quantity, notes FROM orders ORDER BY dt, order_id';
    const table = await etl(['query', sql, '--root', root]);
    const csv = await etl(['query', sql, '--root', root, '--csv']);

    // Assess
    expect(table.out).toEqual([
      'order_id  quantity  notes',
      '--------  --------  ----------------',
      'A-1              1  NULL',
      'A-2              3  NULL',
      'A-1              2  left at the door',
      'A-3              1  NULL',
      '(4 rows)',
    ]);
    expect(csv.out).toEqual(['order_id,quantity,notes', 'A-1,1,', 'A-2,3,', 'A-1,2,left at the door', 'A-3,1,']);
  });

  it('runs every statement in turn and prints each result: tables and CSVs a blank line apart, one JSON line per statement', async () => {
    // Act
    const sql = 'SELECT 1 AS a; SELECT 2 AS b';
    const table = await etl(['query', sql, '--root', root]);
    const csv = await etl(['query', sql, '--root', root, '--csv']);
    const json = await etl(['query', sql, '--root', root, '--json']);
    // A later statement sees what an earlier one made; a trailing semicolon adds no statement.
    const chained = await etl([
      'query',
      "CREATE TEMP TABLE paid AS SELECT order_id FROM orders_latest WHERE status = 'PAID'; SELECT count(*) AS n FROM paid;",
      '--root',
      root,
      '--json',
    ]);
    const single = await etl(['query', 'SELECT 1 AS a;', '--root', root, '--json']);

    // Assess
    expect([table.code, csv.code, json.code, chained.code, single.code]).toEqual([0, 0, 0, 0, 0]);
    expect(table.out).toEqual(['a', '-', '1', '(1 row)', '', 'b', '-', '2', '(1 row)']);
    expect(csv.out).toEqual(['a', '1', '', 'b', '2']);
    expect(json.out.map((l) => JSON.parse(l))).toEqual([
      { statement: 1, rows: [{ a: 1 }] },
      { statement: 2, rows: [{ b: 2 }] },
    ]);
    expect(JSON.parse(chained.out[1])).toEqual({ statement: 2, rows: [{ n: '2' }] });
    expect(single.out.map((l) => JSON.parse(l))).toEqual([{ a: 1 }]);
  });

  it('of several statements, the one DuckDB refuses is named: one line, nothing printed, exit 1', async () => {
    // Act
    const failed = await etl(['query', 'SELECT 1 AS a; SELECT nope FROM orders; SELECT 3 AS c', '--root', root]);
    const syntax = await etl(['query', 'SELECT 1 AS a; SELEC 2', '--root', root]);

    // Assess
    expect([failed.code, syntax.code]).toEqual([1, 1]);
    expect(failed.out).toEqual([]);
    expect(failed.err).toEqual([expect.stringMatching(/^etl: statement 2 of 3: Binder Error: Referenced column "nope" not found/)]);
    expect(syntax.err).toEqual([expect.stringMatching(/^etl: Parser Error: syntax error at or near "SELEC"$/)]);
  });

  it('prints a large result (200 000 rows) as a table', async () => {
    // Act
    const { code, out } = await etl(['query', 'SELECT range AS n FROM range(200000)', '--root', root]);

    // Assess
    expect(code).toBe(0);
    expect(out.slice(0, 3)).toEqual(['     n', '------', '     0']);
    expect(out.at(-1)).toBe('(200000 rows)');
  });

  it('serves typed, empty tables for a bucket where nothing is loaded', async () => {
    // Prepare
    const empty = tempRoot();
    new FolderBucket(empty);

    // Act
    const counts = await etl([
      'query',
      'SELECT (SELECT count(*) FROM orders) AS loads, (SELECT count(*) FROM orders_latest) AS latest',
      '--root',
      empty,
      '--json',
    ]);
    const columns = await etl(['query', 'DESCRIBE orders_latest', '--root', empty, '--json']);

    // Assess
    expect(counts.out.map((l) => JSON.parse(l))).toEqual([{ loads: '0', latest: '0' }]);
    const described = columns.out.map((l) => JSON.parse(l) as { column_name: string; column_type: string });
    expect(described.map((c) => c.column_name)).toHaveLength(11);
    expect(described.find((c) => c.column_name === 'unit_price')?.column_type).toBe('DECIMAL(12,2)');
  });

  it('a bad statement is one line naming the error, exit 1 (as JSON with --json)', async () => {
    // Act
    const syntax = await etl(['query', 'SELEC 1', '--root', root]);
    const table = await etl(['query', 'SELECT * FROM no_such_table', '--root', root]);
    const json = await etl(['query', 'SELEC 1', '--root', root, '--json']);

    // Assess
    expect([syntax.code, table.code, json.code]).toEqual([1, 1, 1]);
    expect(syntax.err).toEqual([expect.stringMatching(/^etl: Parser Error: syntax error at or near "SELEC"$/)]);
    expect(table.err).toEqual([expect.stringMatching(/^etl: Catalog Error: Table with name no_such_table does not exist!/)]);
    expect(json.out.map((l) => JSON.parse(l))).toEqual([{ error: { name: 'QueryFailedError', message: expect.stringContaining('Parser Error') } }]);
    expect(json.err).toEqual([]);
  });

  it('no SQL, or --json with --csv, is a usage error: exit 2, one line', async () => {
    // Act
    const none = await etl(['query', '--root', root]);
    const blank = await etl(['query', '  ', '--root', root]);
    const onlySemicolons = await etl(['query', ' ; -- nothing\n;', '--root', root]);
    const both = await etl(['query', 'SELECT 1', '--root', root, '--json', '--csv']);
    const noRoot = await etl(['query', 'SELECT 1', '--root', path.join(root, 'nope')]);

    // Assess
    expect([none.code, blank.code, onlySemicolons.code, both.code, noRoot.code]).toEqual([2, 2, 2, 2, 2]);
    expect(none.err).toEqual([expect.stringMatching(/^etl: query: no SQL given; usage: etl query \[options\] \[sql\]$/)]);
    expect(blank.err).toHaveLength(1);
    expect(onlySemicolons.err).toEqual(none.err);
    expect(both.out.map((l) => JSON.parse(l))).toEqual([
      { error: { name: 'UsageError', message: expect.stringMatching(/option '--(json|csv)' cannot be used with option '--(json|csv)'/) } },
    ]);
    expect(noRoot.err).toEqual([expect.stringMatching(/no local bucket there/)]);
  });

  it('a manifest listing a file that is not there fails, naming both', async () => {
    // Prepare
    const broken = tempRoot();
    const bucket = new FolderBucket(broken);
    await bucket.write(LOCAL_BUCKET, latestManifestKey('orders'), formatLatestManifest(LOCAL_BUCKET, ['load/latest/orders/versions/v/part-0.parquet']));

    // Act
    const { code, err } = await etl(['query', 'SELECT 1', '--root', broken]);

    // Assess
    expect(code).toBe(1);
    expect(err).toEqual([`etl: ${latestManifestKey('orders')} lists load/latest/orders/versions/v/part-0.parquet, which is not in the bucket`]);
  });

  it('reads only whole Parquet files of dt= folders (not a writer’s .partial, not other folders)', async () => {
    // Prepare
    const partial = await loadedRoot();
    const load = path.join(partial, 'bucket', 'load', 'orders');
    writeFileSync(path.join(load, 'dt=2026-11-21', 'part-cccc-0.parquet.123-abc.partial'), 'half a file');
    mkdirSync(path.join(load, 'not-a-partition'));
    writeFileSync(path.join(load, 'not-a-partition', 'x.parquet'), 'not parquet');

    // Act
    const { code, out } = await etl(['query', 'SELECT count(*) AS n FROM orders', '--root', partial, '--csv']);

    // Assess
    expect(code).toBe(0);
    expect(out).toEqual(['n', '4']);
  });
});
