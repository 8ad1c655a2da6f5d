import 'aws-sdk-client-mock-jest';

import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, InvalidName, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';

import { SfnExecutionStarter } from '../../handlers/adapters/execution-starter';
import { InvalidStateMachineArnError } from '../../handlers/errors';

const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:etl-pipeline';
const sfnMock = mockClient(SFNClient);

function starter(): SfnExecutionStarter {
  return new SfnExecutionStarter(new SFNClient({ region: 'eu-west-1' }), STATE_MACHINE_ARN);
}

beforeEach(() => {
  sfnMock.reset();
});

describe('SfnExecutionStarter', () => {
  it('starts the execution with the state machine ARN, the name and the input as JSON', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE_ARN}:exec-1`, startDate: new Date() });
    const input = { bucket: 'etl-bucket', key: 'extract/orders.csv', dataset: 'orders' };

    // Act
    const result = await starter().start('orders-orders-abc123', input);

    // Assess
    expect(result).toBe('started');
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE_ARN,
      name: 'orders-orders-abc123',
      input: JSON.stringify(input),
    });
    const sent = sfnMock.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(JSON.parse(sent.input ?? '')).toEqual(input);
  });

  it("returns 'duplicate' when Step Functions answers ExecutionAlreadyExists", async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: { httpStatusCode: 400 } }));

    // Act
    const result = await starter().start('orders-orders-abc123', {});

    // Assess
    expect(result).toBe('duplicate');
  });

  it("returns 'duplicate' for an error that only carries the ExecutionAlreadyExists name", async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).rejects(Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' }));

    // Act
    const result = await starter().start('orders-orders-abc123', {});

    // Assess
    expect(result).toBe('duplicate');
  });

  it('rethrows any other service error', async () => {
    // Prepare
    const invalid = new InvalidName({ message: 'Invalid Name', $metadata: { httpStatusCode: 400 } });
    sfnMock.on(StartExecutionCommand).rejects(invalid);

    // Act
    const act = starter().start('bad name', {});

    // Assess
    await expect(act).rejects.toBe(invalid);
  });

  it('rethrows a generic error', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).rejects(new Error('socket hang up'));

    // Act
    const act = starter().start('orders-orders-abc123', {});

    // Assess
    await expect(act).rejects.toThrow('socket hang up');
  });

  it("returns 'duplicate' for the idempotent answer of a running execution: started well before the call", async () => {
    // Prepare: Step Functions answers a repeat of a running execution with that execution.
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE_ARN}:exec-1`, startDate: new Date(Date.now() - 60_000) });

    // Act
    const result = await starter().start('orders-orders-abc123', {});

    // Assess
    expect(result).toBe('duplicate');
  });

  it("still returns 'started' for a start dated a little before the call (the clocks' skew)", async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE_ARN}:exec-1`, startDate: new Date(Date.now() - 1_000) });

    // Act
    const result = await starter().start('orders-orders-abc123', {});

    // Assess
    expect(result).toBe('started');
  });

  it('refuses a state machine ARN it cannot derive execution ARNs from', () => {
    // Act
    const act = () => new SfnExecutionStarter(new SFNClient({ region: 'eu-west-1' }), 'etl-pipeline');

    // Assess
    expect(act).toThrow(InvalidStateMachineArnError);
  });
});

describe('SfnExecutionStarter as the execution lookup', () => {
  it('describes the execution by the ARN of its name under the state machine and returns its input', async () => {
    // Prepare
    const input = { key: 'extract/orders.csv', versionId: 'v1' };
    sfnMock.on(DescribeExecutionCommand).resolves({ input: JSON.stringify(input) });

    // Act
    const found = await starter().inputOf('orders-orders-abc123');

    // Assess
    expect(found).toEqual(input);
    expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, {
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:etl-pipeline:orders-orders-abc123',
    });
  });

  it('returns undefined when no execution has the name', async () => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: { httpStatusCode: 400 } }));

    // Act
    const found = await starter().inputOf('orders-orders-abc123');

    // Assess
    expect(found).toBeUndefined();
  });

  it('rethrows any other error', async () => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).rejects(new Error('socket hang up'));

    // Act
    const act = starter().inputOf('orders-orders-abc123');

    // Assess
    await expect(act).rejects.toThrow('socket hang up');
  });
});
