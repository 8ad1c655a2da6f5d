import { type ExecutionInput, buildExecutionInput } from '../../core/execution-input';
import { TOPICS, failedOutcome, loadedOutcome, namedError } from '../../core/outcome';
import type { QualityFinding } from '../../core/quality';
import type { RunReport } from '../../core/run-report';
import { STATE } from '../../statemachine/definition';

function input(key = 'extract/2026/orders-2026-11-25.csv', dataset: string | null = 'orders'): ExecutionInput {
  return buildExecutionInput(
    { bucket: 'etl-bucket', key, version: 'v1', sizeBytes: 2048, eventTime: '2026-11-25T09:30:12.345Z' },
    dataset === null ? undefined : { name: dataset, match: 'extract/**' },
  );
}

function report(overrides: Partial<RunReport> = {}): RunReport {
  return {
    formatVersion: 1,
    status: 'SUCCEEDED',
    engine: 'duckdb',
    dataset: 'orders',
    inputKey: 'extract/2026/orders-2026-11-25.csv',
    executionName: 'orders-exec',
    jobRunId: 'jr_1',
    ingestionDate: '2026-11-25',
    startedAt: '2026-11-25T09:30:15.000Z',
    finishedAt: '2026-11-25T09:30:17.500Z',
    durationMs: 2500,
    rowsIn: 120,
    malformedRows: 2,
    exactDuplicates: 3,
    keyDuplicates: 5,
    duplicatesRemoved: 8,
    rowsOut: 110,
    outputPrefix: 'load/orders/dt=2026-11-25/',
    latestPrefix: 'load/latest/orders/',
    latestFiles: [],
    latestRows: null,
    outputFiles: ['load/orders/dt=2026-11-25/part-0.parquet'],
    rejectsKey: null,
    previousRun: null,
    qualityFailures: [],
    error: null,
    ...overrides,
  };
}

const WARNING: QualityFinding = {
  check: 'duplicateRatio',
  level: 'warn',
  message: 'duplicateRatio 6.8% > warn 5.0% (8 duplicate rows removed of 118)',
};

describe('loadedOutcome', () => {
  it('is SUCCESS on etl-job-success without findings', () => {
    // Prepare
    const execution = input();

    // Act
    const outcome = loadedOutcome(execution, report(), []);

    // Assess
    expect(outcome.status).toBe('SUCCESS');
    expect(outcome.summary.topic).toBe('etl-job-success');
    expect(outcome.summary.topic).toBe(TOPICS.success);
    expect(outcome.subject).toBe('[SUCCESS] orders: orders-2026-11-25.csv');
    expect(outcome.summary).toMatchObject({
      dataset: 'orders',
      inputKey: execution.key,
      executionName: execution.executionName,
      stage: STATE.Summarize,
      rowsIn: 120,
      rowsOut: 110,
      duplicatesRemoved: 8,
      malformedRows: 2,
      outputPrefix: 'load/orders/dt=2026-11-25/',
      archivedKey: 'extract/archived/2026-11-25/2026/orders-2026-11-25.538947e8.csv',
      rejectedKey: null,
      transformDurationMs: 2500,
      engine: 'duckdb',
      warnings: [],
      error: null,
    });
  });

  it.each([
    ['lambda', 'transform engine: lambda (the fast path, TransformInLambda)'],
    ['spark', 'transform engine: spark (the Glue job)'],
  ] as const)('says which engine ran: %s', (engine, line) => {
    // Act
    const outcome = loadedOutcome(input(), report({ engine }), []);

    // Assess
    expect(outcome.summary.engine).toBe(engine);
    expect(outcome.message.split('\n')).toContain(line);
  });

  it('is WARNING on etl-job-warning when a finding is present, listing it', () => {
    // Prepare
    const findings = [WARNING];

    // Act
    const outcome = loadedOutcome(input(), report(), findings);

    // Assess
    expect(outcome.status).toBe('WARNING');
    expect(outcome.summary.topic).toBe('etl-job-warning');
    expect(outcome.subject.startsWith('[WARNING] orders:')).toBe(true);
    expect(outcome.summary.warnings).toEqual([WARNING.message]);
    expect(outcome.message).toContain(`warning: ${WARNING.message}`);
  });

  it('writes a readable message that ends with the summary as JSON', () => {
    // Prepare
    const execution = input();

    // Act
    const outcome = loadedOutcome(execution, report(), []);

    // Assess
    const lines = outcome.message.split('\n');
    expect(lines[0]).toBe(`SUCCESS — dataset orders, input s3 key ${execution.key}`);
    expect(outcome.message).toContain('rows in: 120, rows out: 110, duplicates removed: 8, malformed rows: 2');
    expect(outcome.message).toContain(`input archived to: ${execution.archivedKey}`);
    expect(outcome.message).not.toContain('redrive');
    expect(JSON.parse(lines[lines.length - 1])).toEqual(outcome.summary);
  });
});

describe('failedOutcome', () => {
  it('is FAILURE on etl-job-failure and names the rejected key for a rejected input', () => {
    // Prepare
    const execution = input();
    const caught = { Error: 'HeaderMismatchError', Cause: 'header does not match dataset "orders"' };

    // Act
    const outcome = failedOutcome(execution, STATE.Validate, caught, { rejected: true });

    // Assess
    expect(outcome.status).toBe('FAILURE');
    expect(outcome.summary.topic).toBe('etl-job-failure');
    expect(outcome.summary.topic).toBe(TOPICS.failure);
    expect(outcome.summary).toMatchObject({
      stage: STATE.Validate,
      rejectedKey: execution.rejectedKey,
      archivedKey: null,
      rowsIn: null,
      reportKey: null,
      error: { name: 'HeaderMismatchError', message: 'header does not match dataset "orders"' },
    });
    expect(outcome.message).toContain(`input moved to: ${execution.rejectedKey}`);
    expect(outcome.message).not.toContain('redrive');
  });

  it('leaves a transform failure in place for a redrive and prefers the report error', () => {
    // Prepare
    const failed = report({ status: 'FAILED', outputFiles: [], error: { name: 'QualityThresholdError', message: 'too many duplicates' } });
    const caught = { Error: 'States.TaskFailed', Cause: '{"ErrorMessage":"something else"}' };

    // Act
    const outcome = failedOutcome(input(), STATE.Transform, caught, { rejected: false, report: failed });

    // Assess
    expect(outcome.summary.rejectedKey).toBeNull();
    // Nothing loaded: rowsOut 0, the rows it would have loaded not loaded, so the counts add up.
    expect(outcome.summary.rowsOut).toBe(0);
    expect(outcome.summary.rowsIn).toBe(120);
    expect(outcome.summary.rowsIn).toBe(
      Number(outcome.summary.rowsOut) +
        Number(outcome.summary.duplicatesRemoved) +
        Number(outcome.summary.malformedRows) +
        Number(outcome.summary.rowsNotLoaded),
    );
    expect(outcome.summary.rowsInExtent).toBe('all');
    expect(outcome.message).toContain(`not loaded: ${outcome.summary.rowsNotLoaded}`);
    expect(outcome.summary.reportKey).toBe(input().reportKey);
    expect(outcome.summary.error).toEqual({ name: 'QualityThresholdError', message: 'too many duplicates' });
    expect(outcome.summary.engine).toBe('duckdb');
    expect(outcome.message).toContain('input left in place: fix the cause, then redrive the execution');
  });

  it('reports an unmatched key under the dataset "unmatched"', () => {
    // Prepare
    const execution = input('extract/customers.csv', null);

    // Act
    const outcome = failedOutcome(execution, STATE.Validate, { Error: 'UnknownDatasetError', Cause: 'no dataset' }, { rejected: true });

    // Assess
    expect(execution.dataset).toBeNull();
    expect(outcome.summary.dataset).toBe('unmatched');
    expect(outcome.subject).toBe('[FAILURE] unmatched: customers.csv');
  });
});

describe('namedError', () => {
  it('extracts the runner error name from a Glue-style JSON Cause', () => {
    // Prepare
    const caught = { Error: 'States.TaskFailed', Cause: '{"ErrorMessage":"QualityThresholdError: too many"}' };

    // Act
    const error = namedError(caught);

    // Assess
    expect(error).toEqual({ name: 'QualityThresholdError', message: 'too many' });
  });

  it('reads errorMessage (Lambda style) too', () => {
    // Prepare
    const caught = { Error: 'States.TaskFailed', Cause: '{"errorType":"Error","errorMessage":"TransformError: disk full"}' };

    // Act
    const error = namedError(caught);

    // Assess
    expect(error).toEqual({ name: 'TransformError', message: 'disk full' });
  });

  it('keeps the name of a named Lambda error (TransformInLambda on AWS), its message unsearched', () => {
    // Prepare
    const cause = { errorType: 'TransformError', errorMessage: 'DuckDB: IO Error: cannot open file', trace: ['TransformError: …', '    at run'] };
    const caught = { Error: 'TransformError', Cause: JSON.stringify(cause) };

    // Act
    const error = namedError(caught);

    // Assess
    expect(error).toEqual({ name: 'TransformError', message: 'DuckDB: IO Error: cannot open file' });
  });

  it('names a function that died (out of memory) by the error Lambda reports', () => {
    // Prepare
    const caught = {
      Error: 'Runtime.OutOfMemory',
      Cause: '{"errorType":"Runtime.OutOfMemory","errorMessage":"RequestId: 1 Error: Runtime exited with error: signal: killed"}',
    };

    // Act
    const error = namedError(caught);

    // Assess
    expect(error).toEqual({ name: 'Runtime.OutOfMemory', message: 'RequestId: 1 Error: Runtime exited with error: signal: killed' });
  });

  it('falls back to the Error name for a plain-text Cause', () => {
    // Prepare
    const caught = { Error: 'EncodingError', Cause: 'the file is not valid UTF-8 text' };

    // Act
    const error = namedError(caught);

    // Assess
    expect(error).toEqual({ name: 'EncodingError', message: 'the file is not valid UTF-8 text' });
  });

  it('keeps the JSON message under the Error name when it has no error-name prefix', () => {
    // Prepare
    const caught = { Error: 'States.TaskFailed', Cause: '{"ErrorMessage":"Job run timed out"}' };

    // Act
    const error = namedError(caught);

    // Assess
    expect(error).toEqual({ name: 'States.TaskFailed', message: 'Job run timed out' });
  });

  it('uses the Error name as message when there is no Cause', () => {
    // Prepare
    const caught = { Error: 'States.Timeout' };

    // Act
    const error = namedError(caught);

    // Assess
    expect(error).toEqual({ name: 'States.Timeout', message: 'States.Timeout' });
  });

  it('keeps a multi-line message after the prefix', () => {
    // Prepare
    const caught = { Error: 'States.TaskFailed', Cause: 'MalformedRowsError: 5 of 10 rows\nfirst: row 1' };

    // Act
    const error = namedError(caught);

    // Assess
    expect(error).toEqual({ name: 'MalformedRowsError', message: '5 of 10 rows\nfirst: row 1' });
  });
});

describe('notification subject', () => {
  it('is cut below 100 characters (SNS refuses 100), ending in an ellipsis', () => {
    // Prepare
    const execution = input(`extract/${'a'.repeat(300)}-orders.csv`);

    // Act
    const loaded = loadedOutcome(execution, report(), [WARNING]);
    const failed = failedOutcome(execution, STATE.Validate, { Error: 'EncodingError', Cause: 'x' }, { rejected: true });

    // Assess
    for (const outcome of [loaded, failed]) {
      expect(outcome.subject.length).toBeLessThan(100);
      expect(outcome.subject.endsWith('…')).toBe(true);
    }
    expect(loaded.subject.startsWith('[WARNING] orders: aaaa')).toBe(true);
  });

  it('is left whole when short enough', () => {
    // Prepare
    const file = 'o'.repeat(99 - '[SUCCESS] orders: '.length);
    const execution = input(`extract/${file}`);

    // Act
    const outcome = loadedOutcome(execution, report(), []);

    // Assess
    expect(outcome.subject).toBe(`[SUCCESS] orders: ${file}`);
    expect(outcome.subject).toHaveLength(99);
  });
});
