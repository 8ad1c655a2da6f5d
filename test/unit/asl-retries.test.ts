/**
 * The Retry rules of statemachine/etl.asl.json, computed from the ASL itself: every Lambda Task
 * waits out throttling for at least 15 minutes (expected wait, full jitter), the Lambda service
 * errors keep their short retry, the Glue Task's ConcurrentRunsExceeded retry absorbs the burst the
 * README documents, and even at every retry's ceiling an execution ends before the state machine's
 * timeout.
 *
 * How a wait is counted: before retry k (0-based) Step Functions waits
 * `min(MaxDelaySeconds, IntervalSeconds × BackoffRate^k)`, its cap; with `JitterStrategy: FULL` a
 * uniformly random time in [0, cap] instead. Full jitter can wait ~0, so no total is guaranteed:
 * the rule is the expected total (half of each cap) for the 15 minutes, the sum of the caps as the
 * ceiling, and for the Glue burst a conservative window (expected − 1.645 standard deviations of
 * the sum of uniforms, about the 5th percentile).
 */
import { CONTEXT_DEFAULTS } from '../../infra/settings';
import {
  type Retrier,
  type State,
  type TaskState,
  STATE,
  catchersOf,
  nextOf,
  parseDefinition,
  readAslText,
  retriersOf,
  taskStates,
} from '../../statemachine/definition';

const definition = parseDefinition(readAslText());
const tasks = taskStates(definition);
/** Lambda Tasks: their Resource is a `${…FunctionArn}` placeholder. */
const lambdaTasks = tasks.filter(([, task]) => task.Resource.startsWith('${'));

const THROTTLE = 'Lambda.TooManyRequestsException';
const LAMBDA_SERVICE_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException'];
const FIFTEEN_MINUTES = 15 * 60;
/** A typical Glue run of a large file (start-up included) on the default 2 G.1X workers, as the README assumes. */
const TYPICAL_GLUE_RUN_SECONDS = 5 * 60;
/** The burst of large files the README says the Glue retry absorbs with the defaults. */
const DOCUMENTED_GLUE_BURST = 50;

/** The cap of each wait of a retrier, in seconds (the ASL's defaults: 1 s, 3 attempts, rate 2). */
function caps(retrier: Retrier): number[] {
  const interval = retrier.IntervalSeconds ?? 1;
  const rate = retrier.BackoffRate ?? 2;
  const max = retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY;
  return Array.from({ length: retrier.MaxAttempts ?? 3 }, (_, k) => Math.min(max, interval * rate ** k));
}

/** Sum of the waits at their caps: the longest a retrier can wait. */
const ceiling = (retrier: Retrier): number => caps(retrier).reduce((sum, cap) => sum + cap, 0);

/** The expected total wait: half of each cap with full jitter, each cap without. */
const expectedWait = (retrier: Retrier): number => (retrier.JitterStrategy === 'FULL' ? ceiling(retrier) / 2 : ceiling(retrier));

/** Standard deviation of the total wait (a uniform on [0, cap] has variance cap²/12). */
const waitDeviation = (retrier: Retrier): number =>
  retrier.JitterStrategy === 'FULL' ? Math.sqrt(caps(retrier).reduce((sum, cap) => sum + cap ** 2 / 12, 0)) : 0;

function retrierOf(task: TaskState, error: string): Retrier {
  const matching = retriersOf(task).filter((retrier) => retrier.ErrorEquals.includes(error));
  expect(matching).toHaveLength(1);
  return matching[0];
}

describe('throttling (Lambda.TooManyRequestsException)', () => {
  it.each(lambdaTasks)('%s waits it out in a Retrier of its own, fully jittered, with a delay cap', (_name, task) => {
    // Act
    const retrier = retrierOf(task, THROTTLE);

    // Assess
    expect(retrier.ErrorEquals).toEqual([THROTTLE]);
    expect(retrier).toMatchObject({ JitterStrategy: 'FULL', MaxDelaySeconds: expect.any(Number), BackoffRate: expect.any(Number) });
  });

  it.each(lambdaTasks)('%s: the expected cumulative wait is at least 15 minutes', (_name, task) => {
    // Act
    const retrier = retrierOf(task, THROTTLE);

    // Assess: 2 s doubling to a 120 s cap, 24 attempts: expected 1143 s (19 min), ceiling 2286 s (38 min)
    expect(expectedWait(retrier)).toBeGreaterThanOrEqual(FIFTEEN_MINUTES);
    expect(ceiling(retrier)).toBeGreaterThanOrEqual(2 * FIFTEEN_MINUTES);
  });

  it.each(lambdaTasks)('%s keeps the short retry of the other Lambda service errors (under a minute in all)', (_name, task) => {
    // Act
    const retriers = LAMBDA_SERVICE_ERRORS.map((error) => retrierOf(task, error));

    // Assess
    expect(new Set(retriers).size).toBe(1);
    expect(retriers[0].ErrorEquals).not.toContain(THROTTLE);
    expect(ceiling(retriers[0])).toBeLessThan(60);
  });

  it('is caught into etl-critical-alerts on the fast path only once its retries ran out (before States.TaskFailed)', () => {
    // Prepare
    const fastPath = definition.States[STATE.TransformInLambda];

    // Act
    const first = catchersOf(fastPath).find((catcher) => catcher.ErrorEquals.includes(THROTTLE) || catcher.ErrorEquals.includes('States.TaskFailed'));

    // Assess
    expect(first).toMatchObject({ Next: STATE.NotifyCritical });
  });
});

describe('Glue concurrency (Glue.ConcurrentRunsExceededException)', () => {
  const transform = definition.States[STATE.Transform] as TaskState;
  const retrier = retriersOf(transform).find((r) => r.ErrorEquals.includes('Glue.ConcurrentRunsExceededException')) as Retrier;

  it('waits fully jittered, with a delay cap', () => {
    expect(retrier).toMatchObject({ JitterStrategy: 'FULL', MaxDelaySeconds: expect.any(Number) });
  });

  it(`absorbs a burst of ${DOCUMENTED_GLUE_BURST} large files with the default MaxConcurrentRuns and a typical run`, () => {
    // Prepare: the runs free a wave of slots every typical run; a file waits at most its window
    const runs = CONTEXT_DEFAULTS['etl:glueMaxConcurrentRuns'];
    const window = expectedWait(retrier) - 1.645 * waitDeviation(retrier);

    // Act: the first wave starts at once, then one wave per run length within the window
    const absorbed = Math.floor(runs * (1 + window / TYPICAL_GLUE_RUN_SECONDS));

    // Assess: 60 s doubling to a 300 s cap, 40 attempts: expected 96 min, conservative 81 min, ceiling 192 min
    expect(runs).toBe(3);
    expect(absorbed).toBeGreaterThanOrEqual(DOCUMENTED_GLUE_BURST);
  });

  it('still fails the file (etl-job-failure) when no run frees up after the retries', () => {
    // Act
    const caught = catchersOf(transform).find((catcher) => catcher.ErrorEquals.includes('Glue.ConcurrentRunsExceededException'));

    // Assess
    expect(caught).toMatchObject({ Next: STATE.DescribeTransformFailure });
  });
});

describe('the state machine timeout', () => {
  /**
   * The longest a Task can take: every retrier waiting its ceiling, and every attempt a retrier
   * can make after a timeout (States.ALL, States.Timeout) running to TimeoutSeconds, the first too.
   */
  function worstCase(state: State): number {
    if (state.Type !== 'Task') return 0;
    const retriers = retriersOf(state);
    const afterTimeouts = retriers
      .filter((retrier) => retrier.ErrorEquals.some((error) => error === 'States.ALL' || error === 'States.Timeout'))
      .reduce((sum, retrier) => sum + (retrier.MaxAttempts ?? 3), 0);
    return retriers.reduce((sum, retrier) => sum + ceiling(retrier), 0) + (1 + afterTimeouts) * (state.TimeoutSeconds ?? Number.POSITIVE_INFINITY);
  }

  /** The longest path to an end from `name`: the first pass only (RedriveGate fails it; ResumeAt is for a redrive). */
  function longest(name: string, memo = new Map<string, number>()): number {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const state = definition.States[name];
    const next = name === STATE.RedriveGate ? [] : [nextOf(state), ...(state.Type === 'Choice' ? [...state.Choices.map((c) => c.Next), state.Default] : [])];
    const targets = [...next, ...catchersOf(state).map((catcher) => catcher.Next)].filter((target): target is string => target !== undefined);
    const total = worstCase(state) + Math.max(0, ...targets.map((target) => longest(target, memo)));
    memo.set(name, total);
    return total;
  }

  it('is not reached even if every step waits out all its retries and runs to its timeout', () => {
    // Act
    const worst = longest(definition.StartAt);

    // Assess
    expect(worst).toBeLessThan(definition.TimeoutSeconds as number);
  });
});
