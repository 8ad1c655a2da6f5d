import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

import { type ColumnType } from '../../core/config/column-type';
import { duckdb, spark } from '../../core/transform/dialect';
import { columnValueSql } from '../../core/transform/value-sql';
import { type CompiledFormat, FormatError, canonicalSql, canonicalText, compileFormat, formatProblem } from '../../core/value-format';
import { columnRules, type ValueFormatDefaults, type RulesColumn } from '../../core/value-rules';

/** The canonical text of a value in JavaScript (as Validate assembles it), or null when it does not match. */
function jsCanonical(format: CompiledFormat, value: string): string | null {
  const match = new RegExp(`^(?:${format.pattern})$`).exec(value);
  return match === null ? null : canonicalText(format, match);
}

let db: DuckDBConnection;
beforeAll(async () => {
  db = await (await DuckDBInstance.create(':memory:')).connect();
});

async function duckValues(sql: string, values: readonly string[]): Promise<(string | null)[]> {
  const list = values.map((v) => `('${v.replace(/'/g, "''")}', ${values.indexOf(v)})`).join(', ');
  const rows = (await db.runAndReadAll(`SELECT CAST((${sql}) AS VARCHAR) AS out FROM (VALUES ${list}) t(v, n) ORDER BY n`)).getRowObjectsJS();
  return rows.map((r) => (r.out === null ? null : String(r.out)));
}

/** The canonical text of each value in DuckDB, from the same compiled format. */
async function duckCanonical(format: CompiledFormat, values: readonly string[]): Promise<(string | null)[]> {
  const assembled = canonicalSql(format, {
    extract: (group) => duckdb.extract('v', format.pattern, group),
    concat: (parts) => duckdb.concat(parts),
    literal: (t) => duckdb.literal(t),
    lpad: (expr, width) => duckdb.zeroPad(expr, width),
  });
  return duckValues(`CASE WHEN ${duckdb.fullMatch('v', format.pattern)} THEN ${assembled} END`, values);
}

describe('compileFormat', () => {
  it('compiles directives to one expression with a group each, literals escaped', () => {
    // Act
    const format = compileFormat('%d.%m.%Y', 'date');

    // Assess
    expect(format).toMatchObject({ pattern: '([0-9]{1,2})\\.([0-9]{1,2})\\.([0-9]{4})', groups: ['day', 'month', 'year'], hasOffset: false });
  });

  it.each([
    [
      '%d.%m.%Y',
      'date',
      ['31.12.2024', '1.2.2025', '2024-12-31', '31.12.24', '31x12x2024', '1.2.2025\n'],
      ['2024-12-31', '2025-02-01', null, null, null, null],
    ],
    ['%m/%d/%Y', 'date', ['12/31/2024', '1/2/2025', '31/12/2024', '12/31/2024 '], ['2024-12-31', '2025-01-02', '2024-31-12', null]],
    ['%Y-%m-%d', 'date', ['2025-1-2', '2025-01-02', '2025-001-2'], ['2025-01-02', '2025-01-02', null]],
    ['%Y%m%d', 'date', ['20241231', '2024111', '202411'], ['2024-12-31', '2024-11-01', '2024-01-01']],
    ['%d.%m.%Y %H:%M', 'timestamp', ['31.12.2024 13:45', '1.1.2025 0:5'], ['2024-12-31 13:45:00', '2025-01-01 00:05:00']],
    [
      '%m/%d/%Y %H:%M:%S%z',
      'timestamp',
      ['12/31/2024 13:45:00+0100', '12/31/2024 13:45:00Z', '12/31/2024 13:45:00-05:00', '12/31/2024 13:45:00 +01:00', '12/31/2024 13:45:00'],
      ['2024-12-31 13:45:00+0100', '2024-12-31 13:45:00Z', '2024-12-31 13:45:00-05:00', null, null],
    ],
    ['%Y%m%dT%H%M%S.%f', 'timestamp', ['20241231T134500.5', '20241231T134500.1234567'], ['2024-12-31 13:45:00.5', null]],
    ['100%% %Y|%m(%d)', 'date', ['100% 2024|12(31)', '100 2024|12(31)'], ['2024-12-31', null]],
  ] as const)('%s (%s): JavaScript and DuckDB assemble the same canonical text', async (spelling, kind, values, expected) => {
    // Prepare
    const format = compileFormat(spelling, kind);

    // Act
    const js = values.map((v) => jsCanonical(format, v));
    const duck = await duckCanonical(format, values);

    // Assess
    expect(js).toEqual(expected);
    expect(duck).toEqual(expected);
  });

  it.each([
    ['%d.%m', 'date', 'lacks %Y'],
    ['%Y-%m-%d %H:%M', 'date', 'holds a time directive'],
    ['%Y-%m-%d', 'timestamp', 'lacks %H %M'],
    ['%Y-%m-%d %H:%M:%S %Q', 'timestamp', 'unknown directive %Q'],
    ['%Y-%m-%d %Y', 'date', 'holds %Y twice'],
    ['%Y-%m-%d%', 'date', 'ends in a lone %'],
    ['%Y-%m-%d %H:%M.%f', 'timestamp', '%f without %S'],
  ] as const)('refuses %s for a %s column (%s)', (spelling, kind, message) => {
    // Act
    const act = (): unknown => compileFormat(spelling, kind);

    // Assess
    expect(act).toThrow(FormatError);
    expect(act).toThrow(message);
    expect(formatProblem(spelling, kind)).toContain(message);
  });

  it('escapes a quote and backslashes in the Spark literal of the expression', () => {
    // Prepare
    const format = compileFormat("%d.%m.'%Y", 'date');

    // Act
    const sql = spark.extract('`v`', format.pattern, 3);

    // Assess
    expect(sql).toBe("regexp_extract(`v`, '^(?:([0-9]{1,2})\\\\.([0-9]{1,2})\\\\.\\'([0-9]{4}))\\\\z', 3)");
  });
});

describe('time zones in DuckDB (the instants Spark gives, measured on PySpark 3.5)', () => {
  const column = (timezone: string, format?: string): RulesColumn => ({ name: 'at', type: { kind: 'timestamp' } as ColumnType, timezone, format });
  const epochUs = async (defaults: ValueFormatDefaults, c: RulesColumn, values: readonly string[]): Promise<(string | null)[]> => {
    const { typed } = columnValueSql(duckdb, 'v', c, columnRules(defaults, c));
    return duckValues(`epoch_us(${typed})`, values);
  };

  it('reads offset-less wall times in Europe/Berlin: a DST gap forward, an overlap as its earlier instant', async () => {
    // Act
    const us = await epochUs({}, column('Europe/Berlin'), [
      '2024-12-31 13:45:00',
      '2024-03-31 02:30:00',
      '2024-10-27 02:30:00',
      '2024-10-27 03:00:00',
      '2024-10-27T02:30:00+01:00',
      '2024-02-30 10:00:00',
    ]);

    // Assess
    expect(us).toEqual(['1735649100000000', '1711848600000000', '1729989000000000', '1729994400000000', '1729992600000000', null]);
  });

  it('reads offset-less wall times in America/New_York, the same way', async () => {
    // Act
    const us = await epochUs({ timezone: 'America/New_York' }, column(undefined as unknown as string), [
      '2024-12-31 13:45:00',
      '2024-03-10 02:30:00',
      '2024-11-03 01:30:00',
    ]);

    // Assess
    expect(us).toEqual(['1735670700000000', '1710055800000000', '1730611800000000']);
  });

  it('reads a format with %z by its offset, whatever the zone', async () => {
    // Act
    const us = await epochUs({}, column('America/New_York', '%m/%d/%Y %H:%M:%S%z'), ['12/31/2024 13:45:00+0100', '12/31/2024 13:45:00']);

    // Assess
    expect(us).toEqual(['1735649100000000', null]);
  });
});
