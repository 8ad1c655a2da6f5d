/**
 * Header rules shared by the Validate step and the engines' runners: how header names are
 * normalised and how they map onto the dataset's columns.
 */
import type { ColumnConfig, DatasetConfig } from '../config/dataset-config';
import { HeaderMismatchError } from '../errors';

/** Strips a UTF-8 byte-order mark and surrounding spaces from the header names. */
export function normalizeHeader(names: readonly string[]): string[] {
  return names.map((name, index) => (index === 0 ? name.replace(/^\uFEFF/, '') : name).trim());
}

/**
 * Maps each header position to its declared column. Column order may differ from the
 * declaration; unknown, repeated or missing required names throw {@link HeaderMismatchError}.
 */
export function matchHeader(header: readonly string[], dataset: DatasetConfig): ColumnConfig[] {
  const byName = new Map(dataset.columns.map((c) => [c.name, c]));
  const problems: string[] = [];
  const seen = new Set<string>();
  const repeated = header.filter((name) => (seen.has(name) ? true : (seen.add(name), false)));
  if (repeated.length > 0) problems.push(`repeated: ${[...new Set(repeated)].join(', ')}`);
  const unknown = header.filter((name) => !byName.has(name));
  if (unknown.length > 0) problems.push(`unknown: ${unknown.map((n) => JSON.stringify(n)).join(', ')}`);
  const missing = dataset.columns.filter((c) => c.required && !seen.has(c.name)).map((c) => c.name);
  if (missing.length > 0) problems.push(`missing: ${missing.join(', ')}`);
  if (problems.length > 0) {
    throw new HeaderMismatchError(
      `header does not match dataset "${dataset.name}" (${problems.join('; ')}); expected ${dataset.columns.map((c) => c.name).join(',')}`,
    );
  }
  return header.map((name) => byName.get(name) as ColumnConfig);
}
