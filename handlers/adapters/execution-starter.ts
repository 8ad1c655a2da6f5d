/**
 * Starting a state machine execution, and finding one already there, as two small interfaces:
 * Step Functions on AWS ({@link SfnExecutionStarter}), the embedded runtime on a laptop
 * (`local/runtime`).
 */
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

import { InvalidStateMachineArnError } from '../errors';

/** `started`, or `duplicate` when an execution of that name already exists. */
export type StartResult = 'started' | 'duplicate';

/** Starts named executions; a name already used means the same object event was seen before. */
export interface ExecutionStarter {
  start(name: string, input: object): Promise<StartResult>;
}

/** Finds an existing execution by its name: what a duplicate event is settled against. */
export interface ExecutionLookup {
  /** The execution's input (parsed JSON), or `undefined` when no execution has that name. */
  inputOf(name: string): Promise<unknown>;
}

/** Options of {@link SfnExecutionStarter}. */
export interface SfnExecutionStarterOptions {
  /**
   * How far Step Functions' clock may be behind ours. Both are NTP-synchronised (well under a
   * second apart); the margin is generous because a start taken for a duplicate by mistake only
   * mislabels it, whereas a repeat taken for a start is counted as a new execution.
   * @default 5000
   */
  readonly clockSkewMs?: number;
}

const DEFAULT_CLOCK_SKEW_MS = 5000;

/** The parts of `arn:<partition>:states:<region>:<account>:stateMachine:<name>`. */
const STATE_MACHINE_ARN = /^arn:(aws[a-z-]*):states:([^:]+):(\d{12}):stateMachine:([^:]+)$/;

/** {@link ExecutionStarter} and {@link ExecutionLookup} on AWS Step Functions. */
export class SfnExecutionStarter implements ExecutionStarter, ExecutionLookup {
  private readonly clockSkewMs: number;
  /** The execution ARNs of this state machine are this prefix and the execution's name. */
  private readonly executionArnPrefix: string;

  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
    options: SfnExecutionStarterOptions = {},
  ) {
    this.clockSkewMs = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
    const match = STATE_MACHINE_ARN.exec(stateMachineArn);
    if (!match) throw new InvalidStateMachineArnError(`not a state machine ARN: "${stateMachineArn}"`);
    const [, partition, region, account, machine] = match;
    this.executionArnPrefix = `arn:${partition}:states:${region}:${account}:execution:${machine}:`;
  }

  async start(name: string, input: object): Promise<StartResult> {
    const calledAt = Date.now();
    try {
      // A Standard workflow answers a repeated start with the same name and input while the first
      // is still running with success (idempotent): that execution, dated when it started. Once it
      // has ended, the answer is ExecutionAlreadyExists.
      const out = await this.sfn.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }));
      // An execution this call started is dated after the call began, give or take the two
      // clocks' skew: a date clearly before is the running execution's.
      const startedBefore = out.startDate !== undefined && out.startDate.getTime() < calledAt - this.clockSkewMs;
      return startedBefore ? 'duplicate' : 'started';
    } catch (e: unknown) {
      if (isNamed(e, 'ExecutionAlreadyExists')) return 'duplicate';
      throw e;
    }
  }

  async inputOf(name: string): Promise<unknown> {
    try {
      const out = await this.sfn.send(new DescribeExecutionCommand({ executionArn: `${this.executionArnPrefix}${name}` }));
      return out.input === undefined ? undefined : JSON.parse(out.input);
    } catch (e: unknown) {
      if (isNamed(e, 'ExecutionDoesNotExist')) return undefined;
      throw e;
    }
  }
}

/** The SDK's modelled exception, or any error carrying its name (another copy of the SDK, a mock). */
function isNamed(e: unknown, name: string): boolean {
  return e instanceof Error && e.name === name;
}
