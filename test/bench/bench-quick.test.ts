/**
 * The benchmark's quick mode (`npm run bench -- --quick`) as a test: it runs end to end on the
 * 100k-row file and every count it checks is right; the Spark row is skipped and says so. No
 * timing is asserted.
 */
import { fastPathMissing } from '../../bench/fast-path';
import { renderReport } from '../../bench/report';
import { runBench } from '../../bench/run';

describe('npm run bench -- --quick', () => {
  it('runs every measurement and every count check passes', async () => {
    // Act
    const results = await runBench({ quick: true });

    // Assess
    const failed = results.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    expect(failed).toEqual([]);
    expect(results.checks.length).toBeGreaterThan(10);
    expect(results.transform[0].job.runs[0]).toMatchObject({ rowsIn: 100_000, malformedRows: 0 });
    expect(results.transform[0].best).toBeDefined();
    expect(results.e2e.files[0].runs[0].status).toMatch(/^(SUCCESS|WARNING)$/);
    expect(results.bundles.map((b) => b.entry)).toContain('trigger');
    // The CLI's start by loader, and the fast path's cold start and run (its counts are among the checks).
    expect(results.cli).toMatchObject({ bundleHelpMs: [expect.any(Number)], bundleVersionMs: [expect.any(Number)], tsxHelpMs: [expect.any(Number)] });
    if (!fastPathMissing()) {
      expect(results.fastPath).toMatchObject({ measured: true, files: [{ size: '1mb', runs: [{ rowsIn: 5300, malformedRows: 0 }] }] });
      expect(renderReport(results).document).toMatch(/## Fast path: the transform in a Lambda\n[\s\S]*\*\*Crossover\.\*\*/);
    }
    // The 1%-malformed file with and without rejects, and the file of malformed rows only (their counts are among the checks).
    expect(results.rejects?.duckdb.withRejects.runs[0]).toMatchObject({ rowsIn: 100_000, malformedRows: results.rejects?.malformedRows });
    expect(results.rejects?.duckdb.withoutRejects.runs[0]).toMatchObject({ rowsIn: 100_000, malformedRows: 0 });
    expect(results.allMalformed?.runs[0].run).toMatchObject({ failedWith: 'QualityThresholdError', malformedRows: 100_000 });
    expect(results.startup?.map((v) => v.function)).toContain('transformInLambda');
    // The Spark row is skipped in quick mode, and the report says so instead of showing figures.
    expect(results.spark).toMatchObject({ measured: false, reason: expect.stringMatching(/quick mode/) });
    expect(renderReport(results).document).toMatch(/## Spark: .*\n[\s\S]*\*\*Not measured in this run\*\* \(1M rows\): not run in quick mode/);
  }, 600_000);
});
