/**
 * Correctness checks of a benchmark run: every number measured must come from a run that did the
 * right thing (the counts the generator promised), or the timing means nothing.
 */
import type { ExpectedCounts } from './generate';
import type { BenchConfig } from './job-run';

/** One check. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Compares named actual values with expected ones. */
export function expectCounts(name: string, actual: Record<string, unknown>, expected: Record<string, unknown>): Check {
  const wrong = Object.entries(expected).filter(([k, v]) => actual[k] !== v);
  return {
    name,
    ok: wrong.length === 0,
    detail: wrong.length === 0 ? JSON.stringify(expected) : wrong.map(([k, v]) => `${k}: expected ${String(v)}, got ${String(actual[k])}`).join('; '),
  };
}

/**
 * The counts the transform must report for a generated file: under the project's config, or, for
 * the rejects' variant, under the config its counts are for (`strict`: customer_email required).
 */
export function expectedTransformCounts(counts: ExpectedCounts, config: BenchConfig = 'strict'): Record<string, unknown> {
  const strict = config === 'strict' ? counts.strict : undefined;
  return {
    failedWith: undefined,
    rowsIn: counts.rows,
    exactDuplicates: strict?.exactDuplicates ?? counts.exactDuplicates,
    keyDuplicates: strict?.keyDuplicates ?? counts.keyDuplicates,
    malformedRows: strict?.malformedRows ?? 0,
    rowsOut: strict?.rowsOut ?? counts.distinctKeys,
  };
}

/** A check that holds or not. */
export function check(name: string, ok: boolean, detail: string): Check {
  return { name, ok, detail };
}
