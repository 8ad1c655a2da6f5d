import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { type DatasetConfig, getDataset, parseConfig, parseConfigText } from '../../core/config/dataset-config';
import { RUNNER_INPUTS, type TransformPlan, compileTransformPlan } from '../../core/transform/compile-plan';
import { dialectByName, duckdb, spark } from '../../core/transform/dialect';

const ORDERS = getDataset(parseConfigText(readFileSync(join(__dirname, '..', '..', 'etl.config.json'), 'utf-8')), 'orders');

/** All SQL text of a plan, for searching. */
function allSql(plan: TransformPlan): string {
  return [...plan.steps.map((s) => s.sql), plan.metricsSql, plan.rejectsSql, plan.outputSql].join('\n');
}

function dataset(overrides: Record<string, unknown>): DatasetConfig {
  return parseConfig({
    datasets: [
      {
        name: 'events',
        match: 'extract/**/*events*.csv',
        columns: [
          { name: 'event_id', type: 'string' },
          { name: 'happened_on', type: 'date' },
          { name: 'seen_at', type: 'timestamp' },
          { name: 'flag', type: 'boolean' },
        ],
        ...overrides,
      },
    ],
  }).datasets[0];
}

describe('compileTransformPlan with value formats', () => {
  const dataset = parseConfig({
    datasets: [
      {
        name: 'eu',
        match: 'extract/eu/*.csv',
        decimalChar: ',',
        groupChar: '.',
        trim: true,
        missingValues: ['NULL'],
        timezone: 'Europe/Berlin',
        columns: [
          { name: 'id', type: 'string' },
          { name: 'amount', type: 'decimal(12,2)', nullable: true },
          { name: 'day', type: 'date', format: '%d.%m.%Y' },
          { name: 'at', type: 'timestamp', nullable: true },
          { name: 'ok', type: 'boolean', trueValues: ['yes'], falseValues: ['no'] },
        ],
      },
    ],
  }).datasets[0];

  it('compiles trim, tokens, separators, the format, the zone and spellings into DuckDB SQL', () => {
    // Act
    const typed = compileTransformPlan(dataset, 'duckdb').steps[0].sql;

    // Assess
    expect(typed).toContain(`trim("amount", ' \t')`);
    expect(typed).toContain(`IN ('NULL')`);
    expect(typed).toContain(`replace(replace(trim("amount", ' \t'), '.', ''), ',', '.')`);
    expect(typed).toContain(`regexp_extract(trim("day", ' \t'), '^(?:([0-9]{1,2})\\.([0-9]{1,2})\\.([0-9]{4}))$', 3)`);
    expect(typed).toContain(`timezone('Europe/Berlin', `);
    expect(typed).toContain(`IN ('yes') THEN TRUE`);
    expect(typed).toContain(`concat('day: "', trim("day", ' \t'), '" does not match the date format %d.%m.%Y')`);
  });

  it('compiles them into Spark SQL', () => {
    // Act
    const typed = compileTransformPlan(dataset, 'spark').steps[0].sql;

    // Assess
    expect(typed).toContain("trim(BOTH ' \\t' FROM `amount`)");
    expect(typed).toContain('to_utc_timestamp(TRY_CAST(');
    expect(typed).toContain("'^(?:([0-9]{1,2})\\\\.([0-9]{1,2})\\\\.([0-9]{4}))\\\\z', 3)");
  });

  it('refuses a format that does not compile', () => {
    // Prepare
    const bad = { ...dataset, columns: [{ ...dataset.columns[2], format: '%d.%m' }] };

    // Act
    const act = (): unknown => compileTransformPlan(bad, 'duckdb');

    // Assess
    expect(act).toThrow('column day: date format "%d.%m" lacks %Y');
  });
});

describe('compileTransformPlan for DuckDB', () => {
  const plan = compileTransformPlan(ORDERS, 'duckdb');

  it('chains typed, clean, distinct and deduped steps', () => {
    // Prepare
    const expected = ['etl_typed', 'etl_clean', 'etl_distinct', 'etl_deduped'];

    // Act
    const names = plan.steps.map((s) => s.name);

    // Assess
    expect(names).toEqual(expected);
    expect(plan.steps.map((s) => s.materialize)).toEqual([true, false, true, false]);
  });

  it('describes the dataset, the dialect and the SQL types of the columns', () => {
    // Prepare
    const expectedTypes = ['VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'INTEGER', 'DECIMAL(12,2)', 'VARCHAR', 'TIMESTAMPTZ', 'DATE', 'VARCHAR', 'VARCHAR'];

    // Act
    const { formatVersion, dataset: name, dialect, columns, partitionColumn, quality } = plan;

    // Assess
    expect({ formatVersion, name, dialect, partitionColumn }).toEqual({ formatVersion: 1, name: 'orders', dialect: 'duckdb', partitionColumn: 'dt' });
    expect(columns.map((c) => c.sqlType)).toEqual(expectedTypes);
    expect(columns.map((c) => c.name)).toEqual(ORDERS.columns.map((c) => c.name));
    expect(quality).toBe(ORDERS.quality);
  });

  it('uses regexp_full_match, with double-quoted identifiers', () => {
    // Prepare
    const sql = allSql(plan);

    // Act
    const typed = plan.steps[0].sql;

    // Assess
    expect(sql).toContain('regexp_full_match(');
    expect(sql).toContain('strftime(p.ingestion_date');
    expect(typed).toContain(`FROM ${RUNNER_INPUTS.raw}`);
    expect(typed).toContain('TRY_CAST(CASE WHEN regexp_full_match("quantity", \'[+-]?[0-9]{1,10}\') THEN "quantity" END AS INTEGER)');
    expect(sql).not.toMatch(/RLIKE|xxhash64|`/);
  });

  it('dedupes by key with exactly one ROW_NUMBER window (the plan measured fastest, spilling under 1 GB)', () => {
    // Prepare
    const sql = allSql(plan);

    // Act
    const windows = sql.match(/row_number\(\) OVER \(/gi);

    // Assess
    expect(windows).toHaveLength(1);
  });

  it('flags empty required values, badly typed values and text no value holds, not the empty nullable notes', () => {
    // Prepare
    const typed = plan.steps[0].sql;

    // Act
    const reasons = [...typed.matchAll(/THEN '([a-z_]+:? [^']+)'/g)].map((m) => m[1]);

    // Assess
    expect(reasons).toContain('order_id: empty');
    expect(reasons).toContain('quantity: not an integer');
    expect(reasons).toContain('unit_price: not a decimal(12,2)');
    expect(reasons).toContain('order_ts: not a timestamp');
    expect(reasons.filter((r) => r.startsWith('notes'))).toEqual(['notes holds a line break followed by a whole record (an unterminated quote?)']);
    expect(reasons).toContain('row: a text value holds a control character');
    expect(reasons.filter((r) => r.startsWith('order_id: not'))).toEqual([]);
  });

  it('keeps the latest order_ts per order_id, then breaks ties by the whole row, NULLS LAST spelled out', () => {
    // Prepare
    const deduped = plan.steps[3].sql;

    // Act + Assess
    expect(deduped).toContain('row_number() OVER (PARTITION BY "order_id" ORDER BY "order_ts" DESC NULLS LAST, r."order_id" ASC NULLS LAST, ');
    expect(deduped).toContain('FROM etl_distinct r) r WHERE r._etl_rank = 1');
  });

  it('reads the rows to write from the last step, partition column dt last', () => {
    // Prepare
    const output = plan.outputSql;

    // Act
    const fromLast = output.includes('FROM etl_deduped r CROSS JOIN etl_params p');

    // Assess
    expect(fromLast).toBe(true);
    expect(output).toMatch(/AS dt FROM /);
    expect(plan.metricsSql).toContain('(SELECT count(*) FROM etl_deduped) AS output_rows');
    expect(plan.rejectsSql).toContain('json_object(\'order_id\', "order_id"');
  });
});

describe('compileTransformPlan for Spark', () => {
  const plan = compileTransformPlan(ORDERS, 'spark');

  it('has the same steps as the DuckDB plan', () => {
    // Prepare
    const duck = compileTransformPlan(ORDERS, 'duckdb');

    // Act
    const names = plan.steps.map((s) => s.name);

    // Assess
    expect(names).toEqual(duck.steps.map((s) => s.name));
    expect(plan.dialect).toBe('spark');
  });

  it('uses RLIKE anchored with \\z, backtick quoting and date_format(', () => {
    // Prepare
    const sql = allSql(plan);

    // Act
    const typed = plan.steps[0].sql;

    // Assess
    expect(sql).toContain('RLIKE');
    expect(sql).toContain('`order_id`');
    expect(sql).toContain('date_format(');
    expect(typed).toContain("(`quantity` RLIKE '^(?:[+-]?[0-9]{1,10})\\\\z')");
    expect(sql).not.toMatch(/regexp_full_match|strftime|"order_id"/);
  });

  it('escapes backslashes of the patterns for Spark string literals', () => {
    // Prepare
    const typed = plan.steps[0].sql;

    // Act
    const decimalMatch = typed.includes("(`unit_price` RLIKE '^(?:[+-]?[0-9]{1,10}(\\\\.[0-9]{1,2})?)\\\\z')");

    // Assess
    expect(decimalMatch).toBe(true);
  });

  it('spells the Spark SQL types', () => {
    // Prepare
    const types = plan.columns.map((c) => c.sqlType);

    // Act
    const distinct = [...new Set(types)];

    // Assess
    expect(distinct).toEqual(['STRING', 'INT', 'DECIMAL(12,2)', 'TIMESTAMP', 'DATE']);
  });

  it('dedupes with the same window as the DuckDB dialect', () => {
    // Prepare
    const sql = allSql(plan);

    // Assess
    expect(sql).toContain('row_number() OVER (PARTITION BY `order_id` ORDER BY `order_ts` DESC NULLS LAST, r.`order_id` ASC NULLS LAST, ');
  });
});

describe('compileTransformPlan: the single pass (DuckDB)', () => {
  const plan = compileTransformPlan(ORDERS, 'duckdb');

  it('types each value once: the reason reads the typed column, not the pattern again', () => {
    // Prepare
    const rows = plan.singlePass.rowsSql;

    // Act
    const quantityPattern = rows.split(`regexp_full_match(_etl_raw_4, '[+-]?[0-9]{1,10}')`).length - 1;

    // Assess: once for the value; the reason tests the typed "quantity"
    expect(quantityPattern).toBe(1);
    expect(rows).toContain(`AND "quantity" IS NULL THEN 'quantity: not an integer'`);
    expect(rows).toContain(`FROM ${RUNNER_INPUTS.raw}`);
    expect(rows).toContain('_etl_line_breaks');
  });

  it('keeps the raw record of a rejected row only, and tests for swallowed rows only where a text value holds a line break', () => {
    // Prepare
    const rows = plan.singlePass.rowsSql;

    // Act + Assess
    expect(rows).toContain(`CASE WHEN _etl_reject_reason IS NOT NULL THEN CAST(json_object('order_id', _etl_raw_0, `);
    expect(rows).toContain(`WHEN _etl_text_breaks AND (instr(_etl_raw_10, `);
  });

  it('tells each clean row out, exact duplicate or key duplicate in one window, by the dedupe rule', () => {
    // Prepare
    const output = plan.singlePass.outputSql;

    // Act
    const windows = output.match(/ OVER \(PARTITION BY "order_id" ORDER BY "order_ts" DESC NULLS LAST, r\."order_id" ASC NULLS LAST, [^)]*\)/g) ?? [];

    // Assess: row_number and rank over the same window (one sort), the declared columns NULL but out
    expect(windows).toHaveLength(2);
    expect(new Set(windows).size).toBe(1);
    expect(output).toContain(`WHEN _etl_rank = 1 THEN 'out' WHEN _etl_peer_rank < _etl_rank THEN 'exact' ELSE 'key' END AS _etl_kind`);
    expect(output).toContain(`CASE WHEN r._etl_kind = 'out' THEN r."order_id" END AS "order_id"`);
    expect(output).toMatch(/ AS dt, r\._etl_kind FROM /);
  });

  it('without keys, keeps the first of each distinct row', () => {
    // Act
    const output = compileTransformPlan(dataset({}), 'duckdb').singlePass.outputSql;

    // Assess
    expect(output).toContain('row_number() OVER (PARTITION BY r."event_id", r."happened_on", r."seen_at", r."flag") AS _etl_rank');
    expect(output).toContain(`WHEN _etl_rank = 1 THEN 'out' ELSE 'exact' END`);
  });
});

describe('compileTransformPlan variants', () => {
  it('stops after etl_distinct when the dataset has no dedupe keys', () => {
    // Prepare
    const events = dataset({});

    // Act
    const plan = compileTransformPlan(events, 'duckdb');

    // Assess
    expect(plan.steps.map((s) => s.name)).toEqual(['etl_typed', 'etl_clean', 'etl_distinct']);
    expect(plan.outputSql).toContain('FROM etl_distinct r');
  });

  it('keeps one row per key by the whole row alone when keepLatestBy is not set', () => {
    // Prepare
    const events = dataset({ dedupe: { keys: ['event_id'] } });

    // Act
    const plan = compileTransformPlan(events, 'spark');

    // Assess
    expect(plan.steps.map((s) => s.name)).toEqual(['etl_typed', 'etl_clean', 'etl_distinct', 'etl_deduped']);
    expect(plan.steps[3].sql).toContain(
      'row_number() OVER (PARTITION BY `event_id` ORDER BY r.`event_id` ASC NULLS LAST, r.`happened_on` ASC NULLS LAST, r.`seen_at` ASC NULLS LAST, r.`flag` ASC NULLS LAST) AS _etl_rank',
    );
  });

  it('partitions by a date column when configured', () => {
    // Prepare
    const events = dataset({ partitioning: { by: 'column', column: 'happened_on' } });

    // Act
    const duck = compileTransformPlan(events, 'duckdb');
    const sparkPlan = compileTransformPlan(events, 'spark');

    // Assess
    expect(duck.outputSql).toContain(`strftime(r."happened_on", '%Y-%m-%d') AS dt`);
    expect(sparkPlan.outputSql).toContain("date_format(r.`happened_on`, 'yyyy-MM-dd') AS dt");
  });

  it('types booleans from the listed spellings without a regex', () => {
    // Prepare
    const events = dataset({});

    // Act
    const typed = compileTransformPlan(events, 'duckdb').steps[0].sql;

    // Assess
    expect(typed).toContain(
      `CASE WHEN "flag" IN ('true', 'TRUE', 'True', '1') THEN TRUE WHEN "flag" IN ('false', 'FALSE', 'False', '0') THEN FALSE END AS "flag"`,
    );
  });
});

/**
 * What a sequence of Spark 3.5 string literals means: `'…'` tokens with backslash escapes, adjacent
 * tokens concatenated (Spark 3.5 reads `'a''b'` as `'a' 'b'`, i.e. `ab`; see SPARK-52545).
 */
function sparkLiteralValue(sql: string): string {
  let value = '';
  let i = 0;
  while (i < sql.length) {
    if (/\s/.test(sql[i])) {
      i += 1;
      continue;
    }
    if (sql[i] !== "'") throw new Error(`not a string literal at ${i}: ${sql}`);
    i += 1;
    while (sql[i] !== "'") {
      if (i >= sql.length) throw new Error(`unterminated literal: ${sql}`);
      if (sql[i] === '\\') {
        const escaped = sql[i + 1];
        value += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
        i += 2;
      } else {
        value += sql[i];
        i += 1;
      }
    }
    i += 1;
  }
  return value;
}

describe('dialects', () => {
  it('quote identifiers, doubling the quote character', () => {
    // Prepare
    const identifier = 'we"ird`name';

    // Act
    const quoted = [duckdb.quote(identifier), spark.quote(identifier)];

    // Assess
    expect(quoted).toEqual(['"we""ird`name"', '`we"ird``name`']);
  });

  it('quote DuckDB literals by doubling single quotes and keeping backslashes', () => {
    // Prepare
    const text = "it's a\\b";

    // Act
    const literal = duckdb.literal(text);

    // Assess
    expect(literal).toBe("'it''s a\\b'");
  });

  it('quote Spark literals so that backslashes survive', () => {
    // Prepare
    const text = 'a\\.b';

    // Act
    const literal = spark.literal(text);

    // Assess
    expect(literal).toBe("'a\\\\.b'");
    expect(sparkLiteralValue(literal)).toBe(text);
  });

  // BUG (core/transform/dialect.ts, `quoteText`, used by spark.literal and spark.fullMatch): a single
  // quote is escaped by doubling it, but Spark 3.5 (Glue 5.0) reads `'it''s'` as the two adjacent
  // literals 'it' 's', i.e. "its" (SPARK-52545 changes this only in later Spark versions). Spark
  // needs `\'`. Latent today: no literal the plan compiles contains a quote.
  it('quote Spark literals so that a single quote survives on Spark 3.5', () => {
    // Prepare
    const text = "it's";

    // Act
    const literal = spark.literal(text);

    // Assess
    expect(sparkLiteralValue(literal)).toBe(text);
  });

  it('are found by name', () => {
    // Prepare
    const names = ['duckdb', 'spark'] as const;

    // Act
    const found = names.map((n) => dialectByName(n));

    // Assess
    expect(found).toEqual([duckdb, spark]);
  });
});

describe('the plan carries how the runner reads the file (issue 20)', () => {
  it("has the dialect as `read` (ISO-8859-1 as Windows-1252), each column's source and extraColumns", () => {
    const dataset = getDataset(
      parseConfig({
        datasets: [
          {
            name: 'items',
            match: 'extract/**',
            dialect: { delimiter: ';', quoteChar: "'", doubleQuote: false, escapeChar: '\\', skipRows: 2, encoding: 'iso-8859-1' },
            extraColumns: 'ignore',
            columns: [
              { name: 'item_id', source: 'Item ID', type: 'integer' },
              { name: 'name', type: 'string' },
            ],
          },
        ],
      }),
      'items',
    );
    for (const dialect of ['duckdb', 'spark'] as const) {
      const plan = compileTransformPlan(dataset, dialect);
      expect(plan.read).toEqual({ delimiter: ';', quoteChar: "'", doubleQuote: false, escapeChar: '\\', header: true, skipRows: 2, encoding: 'windows-1252' });
      expect(plan.extraColumns).toBe('ignore');
      expect(plan.columns.map((c) => [c.name, c.source])).toEqual([
        ['item_id', 'Item ID'],
        ['name', 'name'],
      ]);
    }
    expect(compileTransformPlan(ORDERS, 'spark').read).toEqual({
      delimiter: ',',
      quoteChar: '"',
      doubleQuote: true,
      escapeChar: null,
      header: true,
      skipRows: 0,
      encoding: 'utf-8',
    });
  });
});
