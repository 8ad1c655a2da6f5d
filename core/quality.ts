/**
 * Quality rules: which thresholds a run's counts cross. The transform stops before writing when a
 * `fail` threshold is crossed; the Summarize step turns crossed `warn` thresholds into WARNING.
 */
import type { QualityConfig } from './config/dataset-config';
import type { RowCounts } from './run-report';

/** One crossed threshold, worded for a notification. */
export interface QualityFinding {
  readonly check: 'malformedRowRatio' | 'duplicateRatio' | 'volumeChangeRatio' | 'emptyAfterDedupe';
  readonly level: 'warn' | 'fail';
  readonly message: string;
}

/** Ratios derived from the counts (0 when the denominator is 0). */
export function qualityRatios(counts: RowCounts, previousRowsOut: number | undefined) {
  const wellFormed = counts.rowsIn - counts.malformedRows;
  return {
    malformedRowRatio: ratio(counts.malformedRows, counts.rowsIn),
    duplicateRatio: ratio(counts.exactDuplicates + counts.keyDuplicates, wellFormed),
    volumeChangeRatio: previousRowsOut === undefined || previousRowsOut === 0 ? undefined : Math.abs(counts.rowsOut - previousRowsOut) / previousRowsOut,
  };
}

/**
 * Every threshold the counts cross, `fail` before `warn`. A check crossing its `fail` threshold
 * is not reported again as a warning.
 */
export function evaluateQuality(counts: RowCounts, previousRowsOut: number | undefined, quality: QualityConfig): QualityFinding[] {
  const findings: QualityFinding[] = [];
  const ratios = qualityRatios(counts, previousRowsOut);
  const duplicates = counts.exactDuplicates + counts.keyDuplicates;
  const describe: Record<'malformedRowRatio' | 'duplicateRatio' | 'volumeChangeRatio', string> = {
    malformedRowRatio: `${counts.malformedRows} of ${rows(counts.rowsIn)} malformed`,
    duplicateRatio: `${duplicates} duplicate ${plural(duplicates, 'row')} removed of ${counts.rowsIn - counts.malformedRows}`,
    volumeChangeRatio: `${rows(counts.rowsOut)} out against ${previousRowsOut ?? 0} in the previous run`,
  };
  for (const check of ['malformedRowRatio', 'duplicateRatio', 'volumeChangeRatio'] as const) {
    const value = ratios[check];
    if (value === undefined) continue;
    const { warn, fail } = quality[check];
    const level = fail !== undefined && value > fail ? 'fail' : warn !== undefined && value > warn ? 'warn' : undefined;
    if (level) {
      const limit = level === 'fail' ? fail : warn;
      findings.push({ check, level, message: `${check} ${percent(value)} > ${level} ${percent(limit ?? 0)} (${describe[check]})` });
    }
  }
  if (counts.rowsOut === 0) {
    findings.push({
      check: 'emptyAfterDedupe',
      level: quality.emptyAfterDedupe,
      message: `no row left after removing malformed rows and duplicates (${counts.rowsIn} read)`,
    });
  }
  return findings.sort((a, b) => (a.level === b.level ? 0 : a.level === 'fail' ? -1 : 1));
}

/** `n rows`, or `1 row`. */
function rows(n: number): string {
  return `${n} ${plural(n, 'row')}`;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(value < 0.01 && value > 0 ? 3 : 1)}%`;
}
