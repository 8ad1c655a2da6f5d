/**
 * The bench's issue-22 figures, as pure functions: a run's Spark work from an event log
 * (bench/spark-files.ts), the files per output partition of a run (bench/job-run.ts) and per
 * engine, and the goals' rows they make (bench/report-scaling.ts). No Spark, no timing.
 */
import { FILE_TARGET_BYTES, type TransformRun, outputFiles } from '../../bench/job-run';
import { filesByEngine, scalingGoals } from '../../bench/report-scaling';
import type { BenchResults } from '../../bench/run';
import { sparkWorkByRun } from '../../bench/spark-files';

const jobStart = (job: number, stages: number[], tag: string): string =>
  JSON.stringify({ Event: 'SparkListenerJobStart', 'Job ID': job, 'Stage IDs': stages, Properties: { 'spark.job.tags': tag } });
const stageDone = (id: number, tasks: number, name = 'count at NativeMethodAccessorImpl.java:0', runMs = 100): string =>
  JSON.stringify({
    Event: 'SparkListenerStageCompleted',
    'Stage Info': { 'Stage ID': id, 'Stage Name': name, 'Number of Tasks': tasks, Accumulables: [{ Name: 'internal.metrics.executorRunTime', Value: runMs }] },
  });

const run = (kind: string, output?: TransformRun['output'], extra: Partial<TransformRun> = {}): TransformRun => ({
  kind,
  ms: 1000,
  cpuMs: 1500,
  maxRssBytes: 2 ** 28,
  rowsOut: 10,
  ...(output ? { output } : {}),
  ...extra,
});

describe('sparkWorkByRun', () => {
  it('groups jobs and executed stages by the run tag, in the order the runs began; read partitions are the first stage’s tasks', () => {
    // Prepare
    const lines = [
      JSON.stringify({ Event: 'SparkListenerLogStart' }),
      jobStart(0, [0, 1], 'etl-run-a'),
      stageDone(0, 3, 'collect at x', 500),
      stageDone(1, 1),
      jobStart(1, [2, 3], 'other,etl-run-a'),
      // Stage 2 was skipped (cached): no StageCompleted.
      stageDone(3, 4, 'parquet at y'),
      jobStart(2, [4], 'etl-run-b'),
      stageDone(4, 1),
      jobStart(3, [5], 'untagged'),
      stageDone(5, 8),
      '{"Event":"SparkListenerStageCompl', // cut short
    ];

    // Act
    const work = sparkWorkByRun(lines);

    // Assess
    expect(work).toEqual([
      {
        jobs: 2,
        readPartitions: 3,
        stages: [
          { id: 0, name: 'collect', tasks: 3, taskMs: 500, inputBytes: 0 },
          { id: 1, name: 'count', tasks: 1, taskMs: 100, inputBytes: 0 },
          { id: 3, name: 'parquet', tasks: 4, taskMs: 100, inputBytes: 0 },
        ],
      },
      { jobs: 1, readPartitions: 1, stages: [{ id: 4, name: 'count', tasks: 1, taskMs: 100, inputBytes: 0 }] },
    ]);
  });
});

describe('outputFiles', () => {
  it('counts files per partition against one per 128 MiB of the partition', () => {
    // Prepare
    const files = [
      { folder: 'dt=2026-01-01', bytes: 1000 },
      { folder: 'dt=2026-01-01', bytes: 1000 }, // two small files: one too many
      { folder: 'dt=2026-01-02', bytes: FILE_TARGET_BYTES },
      { folder: 'dt=2026-01-02', bytes: 10 }, // just over 128 MiB: two files allowed
      { folder: 'dt=2026-01-03', bytes: 5 },
    ];

    // Act
    const counted = outputFiles(files);

    // Assess
    expect(counted).toEqual({ files: 5, partitions: 3, bytes: 2015 + FILE_TARGET_BYTES, maxFilesPerPartition: 2, partitionsOverTarget: 1 });
    expect(outputFiles([])).toEqual({ files: 0, partitions: 0, bytes: 0, maxFilesPerPartition: 0, partitionsOverTarget: 0 });
  });
});

describe('filesByEngine', () => {
  it('takes every run’s output by the engine its kind names, the worst partition of each', () => {
    // Prepare
    const one = { files: 1, partitions: 1, bytes: 10, maxFilesPerPartition: 1, partitionsOverTarget: 0 };
    const many = { files: 406, partitions: 300, bytes: 2e6, maxFilesPerPartition: 2, partitionsOverTarget: 106 };
    const runs = [
      run('job', one),
      run('job:by-order-date', many),
      run('spark:first', one),
      run('spark', one),
      run('fast path', one),
      run('baseline:window', many),
      run('job'),
    ];

    // Act
    const byEngine = filesByEngine(runs);

    // Assess
    expect(byEngine).toEqual([
      { engine: 'DuckDB job', runs: 2, maxFiles: 2, maxPartitions: 300, over: 106 },
      { engine: 'fast path', runs: 1, maxFiles: 1, maxPartitions: 1, over: 0 },
      { engine: 'Spark', runs: 2, maxFiles: 1, maxPartitions: 1, over: 0 },
    ]);
  });
});

describe('scalingGoals', () => {
  const contender = (kind: string, ms: number, runs: TransformRun[]) => ({ kind, runs, completed: true, medianMs: ms, medianCpuMs: ms, maxRssBytes: 0 });
  const one = { files: 1, partitions: 1, bytes: 10, maxFilesPerPartition: 1, partitionsOverTarget: 0 };

  it('reads partitions, Spark jobs, files per partition, Spark against DuckDB at 5M and the sizing speedup from one run', () => {
    // Prepare
    const results = {
      transform: [],
      spark: {
        measured: true,
        size: '5m',
        file: 'f',
        memoryLimit: '2GB',
        sparkVersion: '3.5.4',
        first: run('spark:first', one),
        duckdb: contender('job', 10_000, [run('job', one)]),
        spark: contender('spark', 35_000, [run('spark', one)]),
      },
      sparkFiles: {
        measured: true,
        size: '1m',
        file: 'f',
        bytes: 187_100_000,
        cores: 2,
        spark: [
          {
            config: 'strict',
            run: run('spark:first', one, { sparkJobs: 9 }),
            work: { jobs: 9, readPartitions: 3, stages: [{ id: 0, name: 'collect', tasks: 3, taskMs: 1, inputBytes: 0 }] },
          },
          { config: 'by-order-date', run: run('spark:by-order-date', one, { sparkJobs: 11 }), work: { jobs: 11, readPartitions: 3, stages: [] } },
        ],
        duckdb: run('job:by-order-date', { ...one, partitions: 300, files: 301, maxFilesPerPartition: 2, partitionsOverTarget: 1 }),
      },
      sizing: {
        bytes: 1.1e9,
        rows: 6e6,
        quotedNewlines: 3e5,
        oneThread: [],
        twoThreads: [],
        bytesPerCoreSecond: 1e7,
        speedup: 1.5,
        serialFraction: 0.33,
        read: 'split read',
        loadAverage: { before: [], after: [] },
      },
    } as unknown as BenchResults;

    // Act
    const goals = scalingGoals(results);

    // Assess
    const met = Object.fromEntries(goals.filter((g) => !g.goal.startsWith('files')).map((g) => [g.goal.split(',')[0].split(' (')[0], g.met]));
    expect(met).toEqual({
      'read partitions of the 1M rows': true,
      'Spark jobs per run': undefined,
      'Spark against the DuckDB job': true,
      'local[2] / local[1] speedup': false,
    });
    expect(goals.filter((g) => g.goal.startsWith('files per output partition')).map((g) => [g.goal, g.met])).toEqual([
      ['files per output partition, DuckDB job', false],
      ['files per output partition, Spark', true],
    ]);
    expect(goals.find((g) => g.goal.startsWith('Spark jobs'))?.measured).toBe('9 (by ingestion date), 11 (by order_date)');
    expect(goals.find((g) => g.goal.startsWith('Spark against'))?.measured).toMatch(/^3\.50×: 35\.00 s against 10\.00 s/);
  });

  it('says what was not measured instead of a verdict', () => {
    // Prepare
    const results = {
      transform: [],
      spark: { measured: false, size: '5m', reason: 'not run in quick mode' },
      sparkFiles: { measured: false, reason: 'no Python' },
      sizing: { reason: 'the file has 10 bytes' },
    } as unknown as BenchResults;

    // Act
    const goals = scalingGoals(results);

    // Assess
    expect(goals.map((g) => [g.measured, g.met])).toEqual([
      ['not measured: no Python', undefined],
      ['not measured: not run in quick mode', undefined],
      ['not measured: the file has 10 bytes', undefined],
    ]);
  });
});
