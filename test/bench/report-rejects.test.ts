/**
 * The bench's rejects figures as pure functions (bench/report-rejects.ts): the ratio with and
 * without rejects per engine against ≤ 1.15×, and the every-row-malformed verdict per engine.
 */
import type { TransformRun } from '../../bench/job-run';
import { renderRejects, rejectsGoals, rejectsWhy } from '../../bench/report-rejects';
import type { BenchResults } from '../../bench/run';

const run = (kind: string, ms: number, extra: Partial<TransformRun> = {}): TransformRun => ({
  kind,
  ms,
  cpuMs: ms,
  maxRssBytes: 2 ** 30,
  rowsOut: 1,
  ...extra,
});
const contender = (kind: string, ms: number) => ({ kind, runs: [run(kind, ms)], completed: true, medianMs: ms, medianCpuMs: ms, maxRssBytes: 0 });

const results = {
  rejects: {
    size: '1m',
    file: 'f',
    bytes: 186_000_000,
    malformedRows: 9000,
    memoryLimit: '2GB',
    duckdb: { withRejects: contender('job', 4400), withoutRejects: contender('job:nullable-email', 4000) },
    fastPath: { measured: false, reason: 'its handler is not in this tree' },
    spark: { withRejects: contender('spark', 60_000), withoutRejects: contender('spark:nullable-email', 30_000) },
  },
  allMalformed: {
    size: '5m',
    bytes: 900_000_000,
    rows: 5_000_000,
    runs: [
      { engine: 'DuckDB job', memory: 'memory_limit 1GB', run: run('job', 20_000, { failedWith: 'QualityThresholdError', malformedRows: 5e6, rowsIn: 5e6 }) },
      {
        engine: 'fast path',
        memory: '3008 MB function',
        rssCapBytes: 3008 * 2 ** 20,
        run: run('fast path', 20_000, { failedWith: 'QualityThresholdError', maxRssBytes: 4000 * 2 ** 20 }),
      },
      { engine: 'Spark', memory: 'driver memory 2g', run: run('spark:first', 90_000, { error: 'TransformError: collectToPython', rowsOut: -1 }) },
    ],
  },
} as unknown as BenchResults;

describe('rejectsGoals', () => {
  it('one row per engine with and without rejects, and one per engine on the file of malformed rows', () => {
    // Act
    const goals = rejectsGoals(results);

    // Assess
    expect(goals.map((g) => [/(?:without rejects|malformed), (.*)$/.exec(g.goal)?.[1], g.met])).toEqual([
      ['DuckDB job (local Glue stand-in)', true],
      ['fast path (TransformInLambda)', undefined],
      ['Spark (glue/etl_runner.py, local)', false],
      ['DuckDB job', true],
      ['fast path', false], // refused, but above the function's memory
      ['Spark', false],
    ]);
    expect(goals[0].measured).toBe('1.10×: 4.40 s against 4.00 s (CPU 1.10×)');
    expect(goals[1].measured).toBe('not measured: its handler is not in this tree');
    expect(goals[5].measured).toMatch(/^Spark: failed: TransformError: collectToPython after 90\.00 s/);
  });

  it('explains each goal not met, and renders the section', () => {
    // Act
    const why = rejectsWhy(results);
    const section = renderRejects(results);

    // Assess
    expect(why).toHaveLength(3);
    expect(why[0]).toMatch(/^\*\*Rejects on Spark .* \(2\.00×, CPU 2\.00×\)\.\*\* With 9000 rejects the run takes 30\.00 s more/);
    expect(section).toMatch(/^## Rejects: the same file with and without bad rows\n/);
    expect(section).toContain('| Spark (glue/etl_runner.py, local) | 60.00 s | 30.00 s | 2.00× | 2.00× | 60.00 / 30.00 s |');
    expect(section).toContain('| fast path | 3008 MB function | QualityThresholdError |');
  });

  it('says so when results saved before the rejects case are rendered', () => {
    expect(rejectsGoals({} as BenchResults)).toEqual([]);
    expect(renderRejects({} as BenchResults)).toContain('**Not measured in this run**');
  });
});
