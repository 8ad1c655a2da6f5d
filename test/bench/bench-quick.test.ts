/**
 * The benchmark's quick mode (`npm run bench -- --quick`) as a test: it runs end to end on the
 * 100k-row file and every count it checks is right. No timing is asserted.
 */
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
  }, 300_000);
});
