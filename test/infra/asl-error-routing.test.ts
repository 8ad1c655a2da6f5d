/**
 * Where the deployed definition sends an error, run in aws-local-stepfunctions (Retry and Catch as
 * Step Functions applies them): a Glue API error is the pipeline's own failure (etl-critical-alerts),
 * a failed or timed-out run the data's (etl-job-failure); on the fast path likewise, a Lambda
 * service error after its retries or a refused invoke alerts, the transform's own error (a named
 * EtlError, the function out of memory or time) notifies etl-job-failure; an SNS publish that fails, whatever the
 * error's name, is retried a few times before it alerts.
 */
import { buildExecutionInput } from '../../core/execution-input';
import { STATE } from '../../statemachine/definition';
import { createObservability } from '../../handlers/observability';
import { createRedriveGateHandler } from '../../handlers/redrive-gate';
import { failingWith, runStates } from '../helpers/asl-run';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const INPUT = buildExecutionInput(
  { bucket: 'etl-bucket', key: 'extract/orders.csv', version: 'v1', versionId: 'v1', sizeBytes: 2048, eventTime: '2026-11-25T09:30:12.345Z' },
  { name: 'orders', match: 'extract/**' },
);

/** The notification a DescribeTransformFailure or a Summarize step returns. */
const NOTIFICATION = { status: 'FAILURE', subject: '[FAILURE] orders: orders.csv', message: 'm', summary: { dataset: 'orders' } };

/** Handlers up to the notifications; the gate ends the run as the real one does (with the named error). */
const PIPELINE = {
  [STATE.DescribeTransformFailure]: () => NOTIFICATION,
  [STATE.NotifyTransformFailure]: () => ({ MessageId: 'm-1' }),
  [STATE.NotifyCritical]: () => ({ MessageId: 'm-2' }),
  [STATE.RedriveGate]: failingWith('PipelineFailedError'),
};

describe('the Transform step', () => {
  it.each([
    'Glue.AccessDeniedException',
    'Glue.EntityNotFoundException',
    'Glue.InvalidInputException',
    'Glue.InternalServiceException',
    'Glue.OperationTimeoutException',
    'Glue.ThrottlingException',
    'Glue.ResourceNumberLimitExceededException',
    'Glue.AWSGlueException',
    'States.Permissions',
  ])('alerts etl-critical-alerts on %s (the pipeline failed, not the data)', async (error) => {
    // Act
    const run = await runStates(STATE.Transform, INPUT, { ...PIPELINE, [STATE.Transform]: failingWith(error) });

    // Assess
    expect(run.entered).toContain(STATE.NotifyCritical);
    expect(run.entered).not.toContain(STATE.NotifyTransformFailure);
  });

  it.each([
    ['States.TaskFailed', 'a job run that FAILED (the runner named the error)'],
    ['States.Timeout', 'a job run beyond the Task timeout'],
    ['Glue.ConcurrentRunsExceededException', 'no free run after the retries'],
  ])('notifies etl-job-failure on %s: %s', async (error) => {
    // Act
    const run = await runStates(STATE.Transform, INPUT, {
      ...PIPELINE,
      [STATE.Transform]: failingWith(error, '{"ErrorMessage":"QualityThresholdError: too many malformed rows"}'),
    });

    // Assess
    expect(run.entered).toEqual(expect.arrayContaining([STATE.DescribeTransformFailure, STATE.NotifyTransformFailure]));
    expect(run.entered).not.toContain(STATE.NotifyCritical);
  });
});

describe('the TransformInLambda step', () => {
  const LAMBDA_SERVICE_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException'];

  it.each(LAMBDA_SERVICE_ERRORS)('retries %s as the other Lambda Tasks do, then alerts etl-critical-alerts', async (error) => {
    // Act
    const run = await runStates(STATE.TransformInLambda, INPUT, { ...PIPELINE, [STATE.TransformInLambda]: failingWith(error) });

    // Assess
    expect(run.retried).toEqual([STATE.TransformInLambda, STATE.TransformInLambda, STATE.TransformInLambda]);
    expect(run.entered).toContain(STATE.NotifyCritical);
    expect(run.entered).not.toContain(STATE.DescribeTransformFailure);
  });

  it('waits out Lambda.TooManyRequestsException far longer (24 retries), and alerts only if the throttling outlasts them', async () => {
    // Act
    const run = await runStates(STATE.TransformInLambda, INPUT, {
      ...PIPELINE,
      [STATE.TransformInLambda]: failingWith('Lambda.TooManyRequestsException', 'Rate Exceeded.'),
    });

    // Assess
    expect(run.retried).toEqual(Array(24).fill(STATE.TransformInLambda));
    expect(run.entered).toContain(STATE.NotifyCritical);
    expect(run.entered).not.toContain(STATE.DescribeTransformFailure);
  });

  it('goes on to Summarize once a throttled invocation gets through', async () => {
    // Prepare: throttled five times, then the function runs
    let attempts = 0;
    const transform = (): { Id: string; JobRunState: string } => {
      attempts += 1;
      if (attempts <= 5) failingWith('Lambda.TooManyRequestsException', 'Rate Exceeded.')();
      return { Id: 'lambda-1', JobRunState: 'SUCCEEDED' };
    };

    // Act
    const run = await runStates(STATE.TransformInLambda, INPUT, { [STATE.TransformInLambda]: transform, [STATE.Summarize]: failingWith('StopHereError') });

    // Assess
    expect(run.retried.filter((state) => state === STATE.TransformInLambda)).toHaveLength(5);
    expect(run.entered.slice(0, 2)).toEqual([STATE.TransformInLambda, STATE.Summarize]);
  });

  it('alerts etl-critical-alerts, unretried, on States.Permissions (the machine may not invoke it)', async () => {
    // Act
    const run = await runStates(STATE.TransformInLambda, INPUT, { ...PIPELINE, [STATE.TransformInLambda]: failingWith('States.Permissions') });

    // Assess
    expect(run.retried).toEqual([]);
    expect(run.entered).toContain(STATE.NotifyCritical);
  });

  it.each([
    ['QualityThresholdError', 'too many malformed rows'],
    ['MalformedCsvError', 'unterminated quote'],
    ['TransformError', 'DuckDB failed'],
    ['LatestStateConflictError', 'another run published first'],
    ['Runtime.OutOfMemory', 'the function ran out of memory'],
    ['Runtime.ExitError', 'the function process exited'],
    ['Sandbox.Timedout', 'the function timed out'],
    ['States.Timeout', 'the Task timed out'],
  ])('notifies etl-job-failure on %s (%s), unretried, the input left for a redrive', async (error, message) => {
    // Prepare: the Cause as Lambda reports it on AWS
    const cause = JSON.stringify({ errorType: error, errorMessage: message, trace: [] });

    // Act
    const run = await runStates(STATE.TransformInLambda, INPUT, { ...PIPELINE, [STATE.TransformInLambda]: failingWith(error, cause) });

    // Assess
    expect(run.retried).toEqual([]);
    expect(run.entered).toEqual([
      STATE.TransformInLambda,
      STATE.DescribeTransformFailure,
      STATE.NotifyTransformFailure,
      STATE.RecordFailure,
      STATE.RedriveGate,
    ]);
  });
});

describe('the critical notification', () => {
  it('refused by SNS after its retries fails the execution there with SNS’s error, redrivable at NotifyCritical', async () => {
    // Act
    const run = await runStates(STATE.Summarize, INPUT, {
      [STATE.Summarize]: failingWith('Lambda.ServiceException'),
      [STATE.NotifyCritical]: failingWith('SNS.KMSDisabledException'),
    });

    // Assess
    expect(run.entered.at(-1)).toBe(STATE.NotifyCritical);
    expect(run.error).toBe('SNS.KMSDisabledException');
  });

  it('timed out after its retries fails the execution with CriticalNotificationFailedError, which the audit rule alerts on', async () => {
    // Prepare
    let publishes = 0;
    const publish = (): never => {
      publishes += 1;
      return failingWith('States.Timeout')();
    };

    // Act
    const run = await runStates(STATE.Summarize, INPUT, {
      [STATE.Summarize]: failingWith('Lambda.ServiceException'),
      [STATE.NotifyCritical]: publish,
      // The real gate: it names the failure from the state.
      [STATE.RedriveGate]: (event: unknown) => createRedriveGateHandler({ obs: createObservability('test') })(event),
    });

    // Assess
    expect(publishes).toBe(6);
    expect(run.entered.slice(-3)).toEqual([STATE.NotifyCritical, STATE.RecordCriticalNotificationFailure, STATE.RedriveGate]);
    expect(run.error).toBe('CriticalNotificationFailedError');
  });
});

describe('the SNS notifications', () => {
  const outcome = { ...NOTIFICATION, status: 'SUCCESS' };

  it.each(['SNS.KMSThrottlingException', 'SNS.ThrottledException', 'SNS.InternalErrorException', 'SNS.SdkClientException'])(
    'retry a publish that failed with %s, and then notify',
    async (error) => {
      // Prepare: the first attempt fails
      let attempts = 0;
      const publish = (): { MessageId: string } => {
        attempts += 1;
        if (attempts === 1) failingWith(error)();
        return { MessageId: 'm-3' };
      };

      // Act
      const run = await runStates(STATE.NotifySuccess, { ...INPUT, outcome }, { [STATE.NotifySuccess]: publish });

      // Assess
      expect(attempts).toBe(2);
      expect(run.retried).toEqual([STATE.NotifySuccess]);
      expect(run.entered).toEqual([STATE.NotifySuccess, STATE.Succeeded]);
    },
  );

  it('give up after a few attempts and alert etl-critical-alerts', async () => {
    // Act
    const run = await runStates(
      STATE.NotifySuccess,
      { ...INPUT, outcome },
      { ...PIPELINE, [STATE.NotifySuccess]: failingWith('SNS.AuthorizationErrorException') },
    );

    // Assess
    expect(run.retried.length).toBeGreaterThan(0);
    expect(run.retried.length).toBeLessThanOrEqual(3);
    expect(run.entered).toContain(STATE.NotifyCritical);
  });
});
