import 'aws-sdk-client-mock-jest';

import { ExecutionAlreadyExists, InvalidName, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';

import { SfnExecutionStarter } from '../../handlers/adapters/execution-starter';

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
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: { httpStatusCode: 400 } }));

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
});
