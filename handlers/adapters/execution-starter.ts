/**
 * Starting a state machine execution, as a small interface: Step Functions on AWS
 * ({@link SfnExecutionStarter}), the embedded runtime on a laptop (`local/runtime`).
 */
import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

/** `started`, or `duplicate` when an execution of that name already exists. */
export type StartResult = 'started' | 'duplicate';

/** Starts named executions; a name already used means the same object event was seen before. */
export interface ExecutionStarter {
  start(name: string, input: object): Promise<StartResult>;
}

/** {@link ExecutionStarter} on AWS Step Functions. */
export class SfnExecutionStarter implements ExecutionStarter {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: object): Promise<StartResult> {
    try {
      // A Standard workflow answers a repeated start with the same name and input while the first
      // is still running with success (idempotent); once it has ended, with ExecutionAlreadyExists.
      await this.sfn.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return 'started';
    } catch (e: unknown) {
      if (e instanceof ExecutionAlreadyExists || (e instanceof Error && e.name === 'ExecutionAlreadyExists')) {
        return 'duplicate';
      }
      throw e;
    }
  }
}
