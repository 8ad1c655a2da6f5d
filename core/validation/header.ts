/**
 * Header rules shared by the Validate step and the engines' runners: how header names are
 * normalised and how they map onto the dataset's columns (by each column's `source`).
 */
import { type ColumnConfig, type DatasetConfig, columnSource } from '../config/dataset-config';
import { HeaderMismatchError } from '../errors';

/** Strips a UTF-8 byte-order mark and surrounding spaces from the header names. */
export function normalizeHeader(names: readonly string[]): string[] {
  return names.map((name, index) => (index === 0 ? name.replace(/^\uFEFF/, '') : name).trim());
}

/**
 * Maps each header position to its declared column: the column whose `source` (its name by
 * default) is that header text, exactly. Column order may differ from the declaration. A name no
 * column reads is refused (`extraColumns: 'refuse'`, the default) or maps to `undefined`, not
 * read (`'ignore'`); repeated or missing required names are refused. Refusals throw
 * {@link HeaderMismatchError} naming every problem.
 */
export function matchHeader(header: readonly string[], dataset: DatasetConfig): (ColumnConfig | undefined)[] {
  const bySource = new Map(dataset.columns.map((c) => [columnSource(c), c]));
  const ignore = dataset.extraColumns === 'ignore';
  const problems: string[] = [];
  const seen = new Set<string>();
  const repeated = header.filter((name) => (ignore && !bySource.has(name) ? false : seen.has(name) ? true : (seen.add(name), false)));
  if (repeated.length > 0) problems.push(`repeated: ${[...new Set(repeated)].join(', ')}`);
  const unknown = header.filter((name) => !bySource.has(name));
  if (unknown.length > 0 && !ignore) problems.push(`unknown: ${unknown.map((n) => JSON.stringify(n)).join(', ')}`);
  const missing = dataset.columns.filter((c) => c.required && !seen.has(columnSource(c))).map((c) => columnSource(c));
  if (missing.length > 0) problems.push(`missing: ${missing.join(', ')}`);
  if (problems.length > 0) {
    throw new HeaderMismatchError(
      `header does not match dataset "${dataset.name}" (${problems.join('; ')}); expected ${dataset.columns.map((c) => columnSource(c)).join(',')}`,
    );
  }
  return header.map((name) => bySource.get(name));
}

/** The columns of a file without a header (`dialect.header: false`): by position, in declaration order. */
export function positionalColumns(dataset: DatasetConfig): ColumnConfig[] {
  return [...dataset.columns];
}
