/**
 * A failed run's counts (core/run-report.ts): nothing loaded means rowsOut 0 and the rows it
 * would have loaded not loaded, so that rowsIn = rowsOut + duplicatesRemoved + malformedRows +
 * rowsNotLoaded holds for every report; which records rowsIn counts follows the refusal.
 */
import { failedRunCounts } from '../../core/run-report';

/** What the transform had counted when it refused the file (the unterminated quote). */
const COUNTED = { rowsIn: 250_001, malformedRows: 1, duplicatesRemoved: 0, rowsOut: 250_000, outputFiles: [] };

describe('failedRunCounts', () => {
  it('a file refused for a record that swallowed the rest: rowsIn up to the refusal, 0 out, the rest not loaded', () => {
    // Act
    const counts = failedRunCounts(COUNTED, 'MalformedCsvError');

    // Assess
    expect(counts).toEqual({ rowsOut: 0, rowsNotLoaded: 250_000, rowsInExtent: 'toRefusal' });
    expect(COUNTED.rowsIn).toBe(counts.rowsOut + COUNTED.duplicatesRemoved + COUNTED.malformedRows + counts.rowsNotLoaded);
  });

  it('a quality refusal counted every record: rowsIn is all of them, duplicates and malformed rows kept', () => {
    // Prepare
    const counted = { rowsIn: 1000, malformedRows: 200, duplicatesRemoved: 100, rowsOut: 700, outputFiles: [] };

    // Act
    const counts = failedRunCounts(counted, 'QualityThresholdError');

    // Assess
    expect(counts).toEqual({ rowsOut: 0, rowsNotLoaded: 700, rowsInExtent: 'all' });
  });

  it('is the same applied again (a reader may apply it to a report its engine wrote with it)', () => {
    // Act
    const once = failedRunCounts(COUNTED, 'MalformedCsvError');
    const twice = failedRunCounts({ ...COUNTED, ...once }, 'MalformedCsvError');

    // Assess
    expect(twice).toEqual(once);
  });

  it('keeps rowsOut when the load is in place (a failure after the load was published)', () => {
    // Act
    const counts = failedRunCounts({ ...COUNTED, outputFiles: ['load/orders/dt=2026-12-07/part-1-0.parquet'] }, 'LatestStateConflictError');

    // Assess
    expect(counts).toEqual({ rowsOut: 250_000, rowsNotLoaded: 0, rowsInExtent: 'all' });
  });

  it('a run that failed before counting: all zero', () => {
    // Act / Assess
    expect(failedRunCounts({}, 'TransformError')).toEqual({ rowsOut: 0, rowsNotLoaded: 0, rowsInExtent: 'all' });
  });
});
