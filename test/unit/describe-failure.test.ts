/**
 * DescribeTransformFailure and RedriveGate for the two transforms: a failure of TransformInLambda
 * is described like the Glue job's (stage, error name, counts from the FAILED run report), whether
 * its Cause is Lambda's `{errorType, errorMessage}` (AWS), a plain message (the local runtime) or a
 * Glue job run; a redrive of either resumes at the transform ChooseEngine chose.
 */
import { buildExecutionInput, type ExecutionInput } from '../../core/execution-input';
import type { RunReport } from '../../core/run-report';
import { createDescribeFailureHandler } from '../../handlers/describe-failure';
import { createObservability } from '../../handlers/observability';
import { createRedriveGateHandler } from '../../handlers/redrive-gate';
import { STATE } from '../../statemachine/definition';
import { MemoryObjectStore } from '../helpers/memory-object-store';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const BUCKET = 'etl-bucket';
const MIB = 1024 * 1024;

/** An input the fast path takes (`fastPathMaxBytes` 1 MiB) or not (0). */
function inputOf(fastPathMaxBytes: number): ExecutionInput {
  return buildExecutionInput(
    { bucket: BUCKET, key: 'extract/orders.csv', version: 'v1', versionId: 'v1', sizeBytes: 2048, eventTime: '2026-11-25T09:30:12.345Z' },
    { name: 'orders', match: 'extract/**', fastPathMaxBytes },
  );
}

function failedReport(input: ExecutionInput, engine: RunReport['engine']): RunReport {
  return {
    formatVersion: 1,
    status: 'FAILED',
    engine,
    dataset: 'orders',
    inputKey: input.key,
    executionName: input.executionName,
    jobRunId: 'jr_1',
    ingestionDate: input.ingestionDate,
    startedAt: '2026-11-25T09:30:15.000Z',
    finishedAt: '2026-11-25T09:30:15.400Z',
    durationMs: 400,
    rowsIn: 18,
    malformedRows: 14,
    exactDuplicates: 0,
    keyDuplicates: 0,
    duplicatesRemoved: 0,
    rowsOut: 0,
    outputPrefix: input.outputPrefix,
    latestPrefix: 'load/latest/orders/',
    outputFiles: [],
    latestFiles: [],
    latestRows: null,
    rejectsKey: `logs/glue-jobs/orders/${input.executionName}.rejects.csv`,
    previousRun: null,
    qualityFailures: ['malformedRowRatio 77.8% > fail 10.0%'],
    error: { name: 'QualityThresholdError', message: 'malformedRowRatio 77.8% > fail 10.0%' },
  };
}

function describeFailure(store = new MemoryObjectStore()) {
  return createDescribeFailureHandler({ store, obs: createObservability('test') });
}

describe('DescribeTransformFailure', () => {
  it('describes a TransformInLambda failure by its run report, as a Glue job’s, ended at TransformInLambda', async () => {
    // Prepare
    const input = inputOf(MIB);
    const store = new MemoryObjectStore();
    store.put(BUCKET, input.reportKey, JSON.stringify(failedReport(input, 'lambda')));
    const cause = JSON.stringify({ errorType: 'QualityThresholdError', errorMessage: 'malformedRowRatio 77.8% > fail 10.0%', trace: [] });

    // Act
    const outcome = await describeFailure(store)({ ...input, validation: { valid: true }, error: { Error: 'QualityThresholdError', Cause: cause } });

    // Assess
    expect(outcome.summary).toMatchObject({
      status: 'FAILURE',
      topic: 'etl-job-failure',
      stage: STATE.TransformInLambda,
      engine: 'lambda',
      rowsIn: 18,
      malformedRows: 14,
      reportKey: input.reportKey,
      rejectedKey: null,
      error: { name: 'QualityThresholdError', message: 'malformedRowRatio 77.8% > fail 10.0%' },
    });
    expect(outcome.message).toContain(`ended at ${STATE.TransformInLambda}`);
  });

  it.each([
    [
      'AWS: Lambda’s error JSON',
      { Error: 'Runtime.OutOfMemory', Cause: '{"errorType":"Runtime.OutOfMemory","errorMessage":"Runtime exited with error: signal: killed"}' },
    ],
    ['locally: the message', { Error: 'Runtime.OutOfMemory', Cause: 'Runtime exited with error: signal: killed' }],
  ])('without a report, names the error Lambda reports (%s)', async (_where, error) => {
    // Act
    const outcome = await describeFailure()({ ...inputOf(MIB), validation: { valid: true }, error });

    // Assess
    expect(outcome.summary).toMatchObject({
      stage: STATE.TransformInLambda,
      engine: null,
      rowsIn: null,
      error: { name: 'Runtime.OutOfMemory', message: 'Runtime exited with error: signal: killed' },
    });
  });

  it('describes a Glue job run that failed as before: ended at Transform, the runner’s error name', async () => {
    // Prepare
    const jobRun = JSON.stringify({ Id: 'jr_1', JobRunState: 'FAILED', ErrorMessage: 'TransformError: disk full' });

    // Act
    const outcome = await describeFailure()({ ...inputOf(0), validation: { valid: true }, error: { Error: 'States.TaskFailed', Cause: jobRun } });

    // Assess
    expect(outcome.summary).toMatchObject({ stage: STATE.Transform, error: { name: 'TransformError', message: 'disk full' } });
  });
});

describe('RedriveGate', () => {
  const gate = createRedriveGateHandler({ obs: createObservability('test') });

  it.each([
    [MIB, STATE.TransformInLambda],
    [0, STATE.Transform],
  ])('redriven after a failed transform (fastPathMaxBytes %d), resumes at %s', async (threshold, expected) => {
    // Prepare
    const state = { ...inputOf(threshold), validation: { valid: true }, error: { Error: 'QualityThresholdError' } };

    // Act
    const resume = await gate({ state, failedAt: { kind: 'TransformFailure', redriveCount: 0 }, redriveCount: 1 });

    // Assess
    expect(resume).toEqual({ at: expected });
  });
});
