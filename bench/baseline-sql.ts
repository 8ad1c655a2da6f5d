/**
 * The hand-written baseline the transform is measured against: one DuckDB statement doing the
 * same work as the `orders` job — read every column as text, type it by the plan's own rules
 * (the compiled plan's typed values and reject reason: the same patterns, required values and text
 * rules; malformed rows dropped), remove exact duplicates, keep the latest `order_ts` per
 * `order_id` (ties broken by a row hash) and write Snappy Parquet partitioned by ingestion date.
 * It skips what only a pipeline needs (counts, rejects file, run report, the dataset's state,
 * staging): what the transform spends beyond it is the pipeline's own overhead (issue 21).
 */
import { readFileSync } from 'node:fs';

import { getDataset, parseConfigText } from '../core/config/dataset-config';
import { compileTransformPlan } from '../core/transform/compile-plan';
import { DEFAULT_CONFIG_PATH } from './paths';

const q = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/**
 * How the baseline keeps one row per key (the benchmark reports {@link BASELINE_VARIANT}):
 * - `argmax`: `arg_max(row hash, (order_ts, -row hash))` per key, then a semi-join on key and hash;
 * - `row-struct`: `arg_max` of the whole row as a struct per key;
 * - `window`: `QUALIFY row_number() OVER (PARTITION BY key ORDER BY order_ts DESC, hash)`;
 * - `two-stage`: max per key + semi-join, then min hash + semi-join (the compiled plan's earlier algorithm).
 */
export type BaselineVariant = 'argmax' | 'row-struct' | 'window' | 'two-stage';

/** Every variant: the benchmark runs them all and compares the job with the fastest that completed. */
export const BASELINE_VARIANTS: readonly BaselineVariant[] = ['window', 'argmax', 'two-stage', 'row-struct'];

/** The statement; its result is one row with the number of rows written. */
export function baselineSql(file: string, outDir: string, ingestionDate: string, variant: BaselineVariant): string {
  const orders = getDataset(parseConfigText(readFileSync(DEFAULT_CONFIG_PATH, 'utf-8'), DEFAULT_CONFIG_PATH), 'orders');
  const plan = compileTransformPlan(orders, 'duckdb');
  const raw = `
    SELECT *, CAST(NULL AS BIGINT) AS _etl_line_breaks
    FROM read_csv(${q(file)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
      ignore_errors = true, max_line_size = 16777216, buffer_size = 33554432,
      columns = {${plan.columns.map((c) => `${q(c.name)}: 'VARCHAR'`).join(', ')}})`;
  const typed = `SELECT ${plan.columns.map((c) => `"${c.name}"`).join(', ')} FROM (${plan.singlePass.rowsSql}) WHERE _etl_reject_reason IS NULL`;
  const names = ['order_id', 'customer_id', 'customer_email', 'product_sku', 'quantity', 'unit_price', 'currency', 'order_ts', 'order_date', 'status', 'notes'];
  const cols = names.join(', ');
  const prefixed = (prefix: string): string => (prefix === '' ? names.map((c) => `'${c}': ${c}`) : names.map((c) => `${prefix}${c}`)).join(', ');
  const clean = `SELECT DISTINCT ${cols} FROM typed`;
  let deduped: string;
  switch (variant) {
    case 'window':
      deduped = `SELECT ${cols} FROM dist QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY order_ts DESC, hash(${cols})) = 1`;
      break;
    case 'row-struct':
      deduped = `SELECT w.* FROM (SELECT unnest(arg_max({${prefixed('')}}, {'ts': order_ts, 'h': -hash(${cols})::HUGEINT})) FROM dist GROUP BY order_id) w`;
      break;
    case 'argmax':
      deduped = `
        WITH h AS (SELECT *, hash(${cols}) AS tie FROM dist),
        w AS (SELECT order_id, arg_max(tie, {'ts': order_ts, 'neg': -tie::HUGEINT}) AS tie FROM h GROUP BY order_id)
        SELECT ${prefixed('h.')} FROM h SEMI JOIN w ON h.order_id = w.order_id AND h.tie = w.tie`;
      break;
    case 'two-stage':
      deduped = `
        WITH c AS (SELECT r.*, hash(${prefixed('r.')}) AS tie FROM dist r
          SEMI JOIN (SELECT order_id, max(order_ts) AS order_ts FROM dist GROUP BY order_id) m ON r.order_id = m.order_id AND r.order_ts = m.order_ts)
        SELECT ${prefixed('c.')} FROM c SEMI JOIN (SELECT order_id, min(tie) AS tie FROM c GROUP BY order_id) m ON c.order_id = m.order_id AND c.tie = m.tie`;
      break;
  }
  return `COPY (
    WITH etl_raw AS (${raw}), typed AS (${typed}), dist AS (${clean}), deduped AS (${deduped})
    SELECT *, ${q(ingestionDate)} AS dt FROM deduped
  ) TO ${q(outDir)} (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (dt), OVERWRITE_OR_IGNORE)`;
}
