/**
 * State-machine overhead on the local runtime: the real ASL run by aws-local-stepfunctions with
 * every Task state served by a no-op handler (as `taskResourceLocalHandlers` serves the real ones),
 * its event log consumed as the local runtime consumes it. Whatever time passes is the
 * interpreter's own: per execution, and per state entered.
 */
import '../local/runtime/node-compat';

import { StateMachine } from 'aws-local-stepfunctions';

import type { ExecutionInput } from '../core/execution-input';
import { type Definition, type JsonInput, type LocalHandlers, loadLocalDefinition } from '../local/runtime/definition';

/** The result of the no-op runs. */
export interface StateMachineOverhead {
  readonly executions: number;
  /** States entered by one execution (the success path). */
  readonly statesPerExecution: number;
  /** The path, for the report. */
  readonly path: readonly string[];
  readonly msPerExecution: readonly number[];
  readonly status: string;
  /** Building the StateMachine (definition validation), once. */
  readonly constructMs: number;
}

/** One answer that satisfies every Task state of the success path (and what reads their results). */
const NO_OP_RESULT = {
  valid: true,
  Id: 'jr_noop',
  JobRunState: 'SUCCEEDED',
  status: 'SUCCESS',
  subject: 'noop',
  message: 'noop',
  summary: { dataset: 'orders', status: 'SUCCESS' },
  MessageId: 'noop',
};

const INPUT = {
  bucket: 'local-etl-bucket',
  key: 'extract/orders-noop.csv',
  sizeBytes: 1,
  // 0: the fast path off, so that the no-op run takes the Glue branch.
  fastPathMaxBytes: 0,
  version: '1',
  versionId: 'null',
  eventTime: '2026-11-25T00:00:00.000Z',
  dataset: 'orders',
  executionName: 'noop',
  uploadId: '00000000000000aa',
  loadId: '00000000000000aa',
  ingestionDate: '2026-11-25',
  archivedKey: 'extract/archived/2026-11-25/orders-noop.csv',
  rejectedKey: 'extract/rejected/2026-11-25/orders-noop.csv',
  reportKey: 'logs/glue-jobs/orders/noop.json',
  outputPrefix: 'load/orders/',
} satisfies ExecutionInput;

/** Runs `executions` no-op executions one after another (after `warmup` unmeasured ones). */
export async function measureStateMachineOverhead(executions: number, warmup = 5): Promise<StateMachineOverhead> {
  const definition = loadLocalDefinition() as unknown as Definition;
  const t0 = performance.now();
  const machine = new StateMachine(definition);
  const constructMs = performance.now() - t0;
  const handlers: LocalHandlers = {};
  for (const [name, state] of Object.entries(definition.States as Record<string, { Type: string }>)) {
    if (state.Type === 'Task') handlers[name] = async () => NO_OP_RESULT;
  }
  const times: number[] = [];
  let path: string[] = [];
  let status = 'SUCCEEDED';
  for (let i = 0; i < warmup + executions; i += 1) {
    const started = performance.now();
    const execution = machine.run(INPUT as JsonInput, {
      overrides: { taskResourceLocalHandlers: handlers },
      context: { Execution: { Id: `local:noop-${i}`, Name: `noop-${i}`, Input: INPUT as JsonInput, StartTime: new Date().toISOString() } },
    });
    const entered: string[] = [];
    const recording = (async () => {
      for await (const event of execution.eventLogs) {
        const e = event as { type: string; state?: { name: string } };
        if (e.type === 'StateEntered' && e.state) entered.push(e.state.name);
      }
    })();
    try {
      await execution.result;
    } catch {
      status = 'FAILED';
    }
    await recording;
    if (i >= warmup) times.push(performance.now() - started);
    path = entered;
  }
  return { executions, statesPerExecution: path.length, path, msPerExecution: times, status, constructMs };
}
