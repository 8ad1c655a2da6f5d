/**
 * The path the console draws is read from the interpreter's events: succeeded, retried, caught
 * and failed states told apart, the transitions taken (and which were catches), and a redrive
 * resuming where the execution failed.
 */
import { executionPath, timelineOf } from '../../local/console/execution-path';
import type { ExecutionEvent } from '../../local/runtime/execution-store';
import { STATE } from '../../statemachine/definition';

let seq = 0;
const at = (n: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, n)).toISOString();
function ev(type: string, state: string | null, extra: Record<string, unknown> = {}): ExecutionEvent {
  seq += 1;
  const detail =
    state && type.startsWith('State')
      ? { state: { name: state, input: { step: state }, ...(type === 'StateExited' ? { output: { done: state } } : {}) }, ...extra }
      : extra;
  return { seq, type, timestamp: at(seq), state, detail };
}

describe('execution path', () => {
  it('a caught Transform failure, a retried step and the gate failing, then a redrive that succeeds', () => {
    // Prepare
    const failed = [
      ev('ExecutionStarted', null, { input: {} }),
      ev('StateEntered', STATE.Validate),
      ev('StateFailed', STATE.Validate, { Error: 'Lambda.ServiceException', Cause: 'busy' }),
      ev('StateRetried', STATE.Validate, { retry: { attempt: 1 } }),
      ev('StateExited', STATE.Validate),
      ev('StateEntered', STATE.Transform),
      ev('StateFailed', STATE.Transform, { Error: 'States.TaskFailed', Cause: 'job failed' }),
      ev('StateCaught', STATE.Transform, { catch: { catcher: { Next: STATE.DescribeTransformFailure } } }),
      ev('StateExited', STATE.Transform),
      ev('StateEntered', STATE.DescribeTransformFailure),
      ev('StateExited', STATE.DescribeTransformFailure),
      ev('StateEntered', STATE.RedriveGate),
      ev('StateFailed', STATE.RedriveGate, { Error: 'FaultInjectedError', Cause: 'fault injected into Transform' }),
      ev('ExecutionFailed', null, { Error: 'FaultInjectedError', Cause: 'fault injected into Transform' }),
    ];
    const redriven = [
      ...failed,
      ev('ExecutionRedriven', STATE.RedriveGate, { redriveCount: 1 }),
      ev('StateEntered', STATE.RedriveGate),
      ev('StateExited', STATE.RedriveGate),
      ev('StateEntered', STATE.Transform),
      ev('StateExited', STATE.Transform),
      ev('ExecutionSucceeded', null, { output: {} }),
    ];

    // Act
    const before = executionPath(failed, 'FAILED');
    const after = executionPath(redriven, 'SUCCEEDED');

    // Assess: before the redrive
    expect(before.states[STATE.Validate]).toMatchObject({ status: 'retried' });
    expect(before.states[STATE.Validate].visits[0]).toMatchObject({
      retries: 1,
      error: { error: 'Lambda.ServiceException', cause: 'busy' },
      output: { done: STATE.Validate },
    });
    expect(before.states[STATE.Transform]).toMatchObject({ status: 'caught' });
    expect(before.states[STATE.Transform].visits[0]).toMatchObject({ caughtBy: STATE.DescribeTransformFailure, error: { error: 'States.TaskFailed' } });
    expect(before.states[STATE.RedriveGate]).toMatchObject({ status: 'failed', failedBefore: false });
    expect(before.current).toBe(STATE.RedriveGate);
    expect(before.steps.map((s) => `${s.from}>${s.to}:${s.via}`)).toEqual([
      '__start__>Validate:start',
      'Validate>Transform:next',
      'Transform>DescribeTransformFailure:catch',
      'DescribeTransformFailure>RedriveGate:next',
    ]);

    // Assess: after it
    expect(after.current).toBeNull();
    expect(after.states[STATE.RedriveGate]).toMatchObject({ status: 'succeeded', failedBefore: true, redrivenHere: true });
    expect(after.states[STATE.Transform]).toMatchObject({ status: 'succeeded', caughtBefore: true, failedBefore: false });
    expect(after.states[STATE.Transform].visits.map((v) => [v.attempt, v.status])).toEqual([
      [0, 'caught'],
      [1, 'succeeded'],
    ]);
    expect(after.steps.slice(4)).toEqual([{ from: STATE.RedriveGate, to: STATE.Transform, via: 'next', attempt: 1 }]);
  });

  it('a state left open by an execution that was aborted is where it stopped', () => {
    // Prepare
    const events = [
      ev('StateEntered', STATE.Validate),
      ev('StateExited', STATE.Validate),
      ev('StateEntered', STATE.Transform),
      ev('ExecutionAborted', null, { reason: 'the process running it ended' }),
    ];

    // Act
    const path = executionPath(events, 'ABORTED');
    const running = executionPath(events.slice(0, 3), 'RUNNING');

    // Assess
    expect(path.states[STATE.Transform].status).toBe('failed');
    expect(path.current).toBe(STATE.Transform);
    expect(running.states[STATE.Transform].status).toBe('running');
    expect(running.current).toBe(STATE.Transform);
  });

  it('the timeline keeps errors and notes, not the state payloads', () => {
    // Prepare
    const events = [
      ev('StateEntered', STATE.Transform),
      ev('StateFailed', STATE.Transform, { Error: 'States.Timeout', Cause: 'slow' }),
      ev('StateCaught', STATE.Transform, { catch: { catcher: { Next: 'X' } } }),
      ev('ExecutionRedriven', STATE.Transform, { redriveCount: 2 }),
    ];

    // Act
    const timeline = timelineOf(events);

    // Assess
    expect(timeline.map((t) => [t.type, t.error?.error ?? null, t.note])).toEqual([
      ['StateEntered', null, null],
      ['StateFailed', 'States.Timeout', null],
      ['StateCaught', null, 'caught → X'],
      ['ExecutionRedriven', null, 'resumes at Transform (redrive 2)'],
    ]);
    expect(JSON.stringify(timeline)).not.toContain('"input"');
  });
});
