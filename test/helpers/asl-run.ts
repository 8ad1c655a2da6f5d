/**
 * Runs `statemachine/etl.asl.json` in aws-local-stepfunctions with a test's own Task handlers, from
 * any state: the interpreter applies Parameters, Retry and Catch as Step Functions does (in a Catch
 * or Retry, `States.TaskFailed` matches every error but `States.Timeout`), so a test sees where an
 * error goes and what a state sends.
 */
import { StateMachine } from 'aws-local-stepfunctions';

import { type JsonInput, type LocalHandlers, loadLocalDefinition } from '../../local/runtime/definition';
import { type StateMachineDefinition, taskStates } from '../../statemachine/definition';

/** What a run did. */
export interface StatesRun {
  /** The states entered, in order. */
  readonly entered: readonly string[];
  /** The states retried, once per retry. */
  readonly retried: readonly string[];
  /** The execution's error name, when it failed. */
  readonly error?: string;
}

/** A Task handler that fails with the error `name` (Step Functions matches errors by name). */
export function failingWith(name: string, message = 'injected'): () => never {
  return () => {
    throw Object.assign(new Error(message), { name });
  };
}

/** Raised by a Task state the test gave no handler (it would call AWS). */
export class UnhandledTaskError extends Error {
  constructor(state: string) {
    super(`the test gave Task state ${state} no handler`);
    this.name = 'UnhandledTaskError';
  }
}

/** Every Task state of the definition, with the test's handler or one that throws {@link UnhandledTaskError}. */
function withDefaults(definition: StateMachineDefinition, handlers: LocalHandlers): LocalHandlers {
  const all: LocalHandlers = {};
  for (const [name] of taskStates(definition)) {
    all[name] =
      handlers[name] ??
      (() => {
        throw new UnhandledTaskError(name);
      });
  }
  return all;
}

/** Validating a definition costs ~0.5 s: one machine per start state, run many times. */
const machines = new Map<string, { definition: StateMachineDefinition; machine: StateMachine }>();

/**
 * Runs the pipeline's definition from `startAt` with `input` (the state the execution is in when
 * it enters `startAt`: any JSON object); retries wait 1 ms.
 */
export async function runStates(startAt: string, input: object, handlers: LocalHandlers): Promise<StatesRun> {
  if (!machines.has(startAt)) {
    const definition = { ...loadLocalDefinition(), StartAt: startAt };
    machines.set(startAt, { definition, machine: new StateMachine(definition) });
  }
  const { definition, machine } = machines.get(startAt) as { definition: StateMachineDefinition; machine: StateMachine };
  const retryIntervalOverrides = Object.fromEntries(Object.keys(definition.States).map((name) => [name, 1]));
  // The typed inputs of the tests (ExecutionInput, …) are JSON objects without an index signature.
  const json = input as JsonInput;
  const execution = machine.run(json, {
    overrides: { taskResourceLocalHandlers: withDefaults(definition, handlers), retryIntervalOverrides },
    context: { Execution: { Id: 'test', Name: 'test', Input: json, StartTime: new Date().toISOString(), RedriveCount: 0 } },
  });
  const entered: string[] = [];
  const retried: string[] = [];
  let error: string | undefined;
  for await (const event of execution.eventLogs) {
    const state = (event as { state?: { name: string } }).state?.name;
    if (event.type === 'StateEntered' && state) entered.push(state);
    if (event.type === 'StateRetried' && state) retried.push(state);
    if (event.type === 'ExecutionFailed') error = (event as { Error?: string }).Error;
  }
  await execution.result.catch(() => undefined);
  return { entered, retried, ...(error === undefined ? {} : { error }) };
}
