/**
 * Runs an execution that Step Functions (moto's) holds but does not run: its definition, as moto
 * stores it, interpreted by aws-local-stepfunctions from the execution's input — Parameters,
 * ResultSelector, ResultPath, Choice, Retry and Catch applied as Step Functions does — with each
 * Lambda Task invoking the deployed function (the test says how) and each `sns:publish` Task
 * publishing to SNS (moto's). What each state received and returned is the previous one's,
 * exactly as on AWS.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { StateMachine } from 'aws-local-stepfunctions';

import type { JsonInput, LocalHandlers } from '../../local/runtime/definition';
import { parseDefinition, taskStates } from '../../statemachine/definition';

/** The service integration of SNS's Publish. */
const SNS_PUBLISH = 'arn:aws:states:::sns:publish';

/** A notification published by an `sns:publish` Task. */
export interface PublishedNotification {
  readonly topicArn: string;
  readonly subject: string | null;
  readonly message: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** How a driven execution went. */
export interface DrivenExecution {
  /** The states entered, in order. */
  readonly entered: readonly string[];
  /** Each state left, with its output (the next state's input), in order. */
  readonly exited: readonly { readonly state: string; readonly output: unknown }[];
  /** Each state that failed, with the error's name (Catch and Retry match it). */
  readonly failed: readonly { readonly state: string; readonly error: string }[];
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** The execution's error name, when it failed. */
  readonly error?: string;
  readonly published: readonly PublishedNotification[];
}

/** A Task whose resource neither a Lambda function nor SNS serves here (e.g. the Glue job): the test did not expect it. */
export class UndrivenTaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UndrivenTaskError';
  }
}

/** What {@link driveExecution} needs. */
export interface DriveOptions {
  /** The state machine's definition (JSON text, placeholders filled). */
  readonly definition: string;
  /** The execution as Step Functions describes it. */
  readonly execution: { readonly executionArn: string; readonly name: string; readonly input: object; readonly startDate: Date };
  /** Invokes the function of `functionArn` with the Task's payload; resolves with its result or rejects with its error (name: the error type). */
  readonly invoke: (functionArn: string, payload: unknown) => Promise<unknown>;
  readonly sns: SNSClient;
  /**
   * Each Task's `TimeoutSeconds` times this, in the interpreter's copy of the definition: the ASL's
   * timeouts bound a function on Lambda's own CPU, and an emulated one runs many times slower. @default 1
   */
  readonly taskTimeoutScale?: number;
}

/** Runs the execution to its end; rejects only if the interpreter itself fails. */
export async function driveExecution(options: DriveOptions): Promise<DrivenExecution> {
  const definition = parseDefinition(options.definition);
  for (const [, state] of taskStates(definition)) {
    // The parsed copy is this run's own (the model types states read-only).
    if (state.TimeoutSeconds !== undefined) (state as { TimeoutSeconds: number }).TimeoutSeconds *= options.taskTimeoutScale ?? 1;
  }
  const published: PublishedNotification[] = [];
  const handlers: LocalHandlers = {};
  for (const [name, state] of taskStates(definition)) {
    const resource = state.Resource;
    const handler = async (payload: unknown): Promise<unknown> => {
      if (resource.startsWith('arn:aws:lambda:')) return options.invoke(resource, payload);
      if (resource === SNS_PUBLISH) {
        const p = payload as {
          TopicArn: string;
          Subject?: string;
          Message: string;
          MessageAttributes?: Record<string, { DataType: string; StringValue: string }>;
        };
        const out = await options.sns.send(
          new PublishCommand({ TopicArn: p.TopicArn, Subject: p.Subject, Message: p.Message, MessageAttributes: p.MessageAttributes }),
        );
        published.push({
          topicArn: p.TopicArn,
          subject: p.Subject ?? null,
          message: p.Message,
          attributes: Object.fromEntries(Object.entries(p.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue])),
        });
        return { MessageId: out.MessageId };
      }
      throw new UndrivenTaskError(`Task state ${name} uses ${resource}, which this test does not serve`);
    };
    // The interpreter types payloads as JSON; the functions' results are JSON too.
    handlers[name] = handler as LocalHandlers[string];
  }
  const machine = new StateMachine(definition);
  const input = options.execution.input as JsonInput;
  // Retries wait 1 ms: no retry is expected, and the ASL's intervals are sized for AWS.
  const retryIntervalOverrides = Object.fromEntries(Object.keys(definition.States).map((name) => [name, 1]));
  const run = machine.run(input, {
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
    context: {
      Execution: {
        Id: options.execution.executionArn,
        Name: options.execution.name,
        Input: input,
        StartTime: options.execution.startDate.toISOString(),
        RedriveCount: 0,
      },
    },
  });
  const entered: string[] = [];
  const exited: { state: string; output: unknown }[] = [];
  const failed: { state: string; error: string }[] = [];
  let error: string | undefined;
  for await (const event of run.eventLogs) {
    const state = (event as { state?: { name: string; output?: unknown } }).state;
    if (event.type === 'StateEntered' && state) entered.push(state.name);
    if (event.type === 'StateExited' && state) exited.push({ state: state.name, output: state.output });
    if (event.type === 'StateFailed' && state) failed.push({ state: state.name, error: (event as { Error: string }).Error });
    if (event.type === 'ExecutionFailed') error = (event as { Error?: string }).Error;
  }
  const succeeded = await run.result.then(
    () => true,
    () => false,
  );
  return { entered, exited, failed, status: succeeded ? 'SUCCEEDED' : 'FAILED', ...(error === undefined ? {} : { error }), published };
}
