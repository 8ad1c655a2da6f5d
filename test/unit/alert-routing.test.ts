/**
 * The audit rule's list of "notified" error names (an execution that fails with one of them has
 * already notified someone; any other FAILED execution alerts etl-critical-alerts) against what
 * each step can raise and where the ASL's Catch rules send it: every name a notified route can end
 * with is on the list, and the names of the route that notified no one (NotifyCritical itself
 * failing) are not.
 */
import { buildExecutionInput } from '../../core/execution-input';
import * as coreErrors from '../../core/errors';
import { LAMBDA_RUNTIME_ERRORS, errorClassesIn, errorNames } from '../../core/errors';
import { createDescribeFailureHandler } from '../../handlers/describe-failure';
import { createObservability } from '../../handlers/observability';
import { createRedriveGateHandler } from '../../handlers/redrive-gate';
import { notifiedFailureErrors, transformFailureTaskErrors } from '../../infra/constructs/audit-rules';
import { STATE, allStates, catchRoute, catchersOf, nextOf, parseDefinition, readAslText, retriersOf, taskStates } from '../../statemachine/definition';
import { MemoryObjectStore } from '../helpers/memory-object-store';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const definition = parseDefinition(readAslText());
const notified = notifiedFailureErrors();
const gate = createRedriveGateHandler({ obs: createObservability('test') });
const INPUT = buildExecutionInput(
  { bucket: 'etl-bucket', key: 'extract/orders.csv', version: 'v1', versionId: 'v1', sizeBytes: 2048, eventTime: '2026-11-25T09:30:12.345Z' },
  { name: 'orders', match: 'extract/**', fastPathMaxBytes: 1024 * 1024 },
);

/** The error RedriveGate fails an execution with, on its first pass. */
async function gateError(event: object): Promise<string> {
  try {
    await gate(event);
  } catch (e: unknown) {
    return (e as Error).name;
  }
  throw new Error('RedriveGate did not fail the execution');
}

/** The states that go on to `target` (by Next, a Choice rule or a Catch). */
function predecessors(target: string): string[] {
  return allStates(definition)
    .filter(([, state]) => nextOf(state) === target || catchersOf(state).some((catcher) => catcher.Next === target))
    .map(([name]) => name);
}

describe('the routes that notified someone end with a name on the list', () => {
  it("every error a Catch sends to DescribeTransformFailure (then etl-job-failure), a Lambda Task's runtime errors included, is on it", () => {
    // Act
    const named = transformFailureTaskErrors(definition);

    // Assess
    expect(named).toEqual(expect.arrayContaining(['States.TaskFailed', 'States.Timeout', 'Glue.ConcurrentRunsExceededException', ...LAMBDA_RUNTIME_ERRORS]));
    expect(notified).toEqual(expect.arrayContaining(named));
  });

  it.each(LAMBDA_RUNTIME_ERRORS)(
    'TransformInLambda killed by the Lambda runtime (%s): caught into DescribeTransformFailure, described, notified, rethrown by RedriveGate under a listed name',
    async (error) => {
      // Prepare: the Cause as Step Functions reports a Lambda runtime error on AWS
      const caught = {
        Error: error,
        Cause: JSON.stringify({ errorType: error, errorMessage: 'RequestId: r-1 Error: Runtime exited with error: signal: killed' }),
      };
      const describe = createDescribeFailureHandler({ store: new MemoryObjectStore(), obs: createObservability('test') });

      // Act
      const route = catchRoute(definition.States[STATE.TransformInLambda], error);
      const failure = await describe({ ...INPUT, validation: { valid: true }, error: caught });
      const ended = await gateError({ state: { ...INPUT, error: caught, failure }, failedAt: { kind: 'TransformFailure', redriveCount: 0 }, redriveCount: 0 });

      // Assess
      expect(route).toBe(STATE.DescribeTransformFailure);
      expect(failure.summary).toMatchObject({ topic: 'etl-job-failure', stage: STATE.TransformInLambda, error: { name: error } });
      expect(ended).toBe(error);
      expect(notified).toContain(ended);
    },
  );

  it('a transform error the run report names is a class of core/errors.ts, all of which (but the unnotified) are on it', () => {
    // Prepare
    const classes = errorClassesIn(coreErrors).filter((ErrorClass) => !ErrorClass.kinds.includes('unnotified'));

    // Assess
    expect(notified).toEqual(expect.arrayContaining(errorNames(classes)));
  });

  it("a rejected input ends at Rejected with Validate's verdict, which is on it", () => {
    // Assess
    expect(definition.States[STATE.Rejected]).toMatchObject({ Type: 'Fail', ErrorPath: '$.outcome.summary.error.name' });
    expect(notified).toEqual(expect.arrayContaining(errorNames(errorClassesIn(coreErrors), 'rejected-input')));
  });

  it('a critical error, once NotifyCritical published, ends with PipelineCriticalError, which is on it', async () => {
    // Act
    const ended = await gateError({
      state: { ...INPUT, error: { Error: 'Lambda.ServiceException', Cause: 'down' } },
      failedAt: { kind: 'Critical', redriveCount: 0 },
      redriveCount: 0,
    });

    // Assess
    expect(definition.States[STATE.NotifyCritical]).toMatchObject({ Next: STATE.RecordCritical });
    expect(ended).toBe('PipelineCriticalError');
    expect(notified).toContain(ended);
  });
});

describe('the route that notified no one ends with a name not on the list', () => {
  it.each(['SNS.AuthorizationErrorException', 'SNS.KMSDisabledException', 'SNS.NotFoundException'])(
    'NotifyCritical refused by SNS (%s, after its retries): uncaught, the execution fails with that name, not on the list (and stays redrivable there)',
    (error) => {
      // Act
      const route = catchRoute(definition.States[STATE.NotifyCritical], error);

      // Assess
      expect(route).toBeUndefined();
      expect(notified).not.toContain(error);
      expect(notified.filter((name) => name.startsWith('SNS.'))).toEqual([]);
    },
  );

  it('NotifyCritical timed out (States.Timeout, a listed name): goes to RecordCriticalNotificationFailure, then RedriveGate', () => {
    // Act
    const route = catchRoute(definition.States[STATE.NotifyCritical], 'States.Timeout');

    // Assess
    expect(notified).toContain('States.Timeout');
    expect(route).toBe(STATE.RecordCriticalNotificationFailure);
    expect(definition.States[STATE.RecordCriticalNotificationFailure]).toMatchObject({
      Type: 'Pass',
      Parameters: { kind: 'CriticalNotificationFailed' },
      ResultPath: '$.failedAt',
      Next: STATE.RedriveGate,
    });
  });

  it('where RedriveGate fails it with CriticalNotificationFailedError, which the execution-failure rule alerts on', async () => {
    // Act
    const ended = await gateError({
      state: { ...INPUT, error: { Error: 'Lambda.ServiceException', Cause: 'down' }, criticalNotificationError: { Error: 'SNS.KMSDisabledException' } },
      failedAt: { kind: 'CriticalNotificationFailed', redriveCount: 0 },
      redriveCount: 0,
    });

    // Assess
    expect(ended).toBe('CriticalNotificationFailedError');
    expect(notified).not.toContain(ended);
  });

  it('and redriven, resumes like any other failure', async () => {
    // Act
    const resume = await gate({
      state: { ...INPUT, validation: { valid: true } },
      failedAt: { kind: 'CriticalNotificationFailed', redriveCount: 0 },
      redriveCount: 1,
    });

    // Assess
    expect(resume).toEqual({ at: STATE.TransformInLambda });
  });
});

describe('what the list leaves out', () => {
  it("holds none of Lambda's or Step Functions' errors a step's own failure ends with (they alert)", () => {
    // Prepare
    const lambdaErrors = taskStates(definition)
      .flatMap(([, task]) => retriersOf(task).flatMap((retrier) => retrier.ErrorEquals))
      .filter((e) => e.startsWith('Lambda.'));

    // Assess
    expect(lambdaErrors.length).toBeGreaterThan(0);
    for (const error of [...lambdaErrors, 'States.Permissions', 'States.Runtime', 'CriticalNotificationFailedError']) expect(notified).not.toContain(error);
  });

  it('only RedriveGate has no Catch, and it runs only after a notification or on the unnotified route', () => {
    // Act
    const uncaught = taskStates(definition)
      .filter(([, task]) => catchersOf(task).length === 0)
      .map(([name]) => name);

    // Assess
    expect(uncaught).toEqual([STATE.RedriveGate]);
    expect(predecessors(STATE.RedriveGate).sort()).toEqual([STATE.RecordCritical, STATE.RecordCriticalNotificationFailure, STATE.RecordFailure].sort());
    expect(predecessors(STATE.RecordFailure)).toEqual([STATE.NotifyTransformFailure]);
    expect(predecessors(STATE.RecordCritical)).toEqual([STATE.NotifyCritical]);
    expect(predecessors(STATE.RecordCriticalNotificationFailure)).toEqual([STATE.NotifyCritical]);
  });

  it("RedriveGate's retries never match the names it fails an execution with", () => {
    // Act
    const retried = retriersOf(definition.States[STATE.RedriveGate]).flatMap((retrier) => retrier.ErrorEquals);

    // Assess
    expect(retried.length).toBeGreaterThan(0);
    for (const error of retried) expect([...notified, 'CriticalNotificationFailedError', 'States.ALL', 'States.TaskFailed']).not.toContain(error);
  });
});
