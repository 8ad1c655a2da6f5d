/**
 * `etl executions list|show|redrive --aws` send exactly the Step Functions requests AWS expects
 * (checked against aws-sdk-client-mock).
 */
import {
  DescribeExecutionCommand,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';

import { executionArn } from '../../local/cli/aws-executions';
import { STATE } from '../../statemachine/definition';
import { etl } from '../helpers/cli';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:etl-pipeline';
const NAME = 'orders-orders-clean-3a4ff2f7f1be3947a5802917';
const EXECUTION = `arn:aws:states:eu-west-1:123456789012:execution:etl-pipeline:${NAME}`;

const sfn = mockClient(SFNClient);

describe('etl executions --aws', () => {
  beforeEach(() => sfn.reset());

  it('builds the execution ARN from the state machine ARN and a name', () => {
    // Assess
    expect(executionArn(STATE_MACHINE, NAME)).toBe(EXECUTION);
    expect(executionArn(STATE_MACHINE, EXECUTION)).toBe(EXECUTION);
    expect(() => executionArn('etl-pipeline', NAME)).toThrow(/state machine ARN/);
  });

  it('redrive sends RedriveExecution for the execution ARN', async () => {
    // Prepare
    sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date('2026-11-25T10:00:00Z') });

    // Act
    const { code, out } = await etl(['executions', 'redrive', NAME, '--aws', '--state-machine', STATE_MACHINE, '--region', 'eu-west-1']);

    // Assess
    expect(code).toBe(0);
    expect(sfn).toHaveReceivedCommandTimes(RedriveExecutionCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(RedriveExecutionCommand, { executionArn: EXECUTION });
    expect(out[0]).toContain(EXECUTION);
  });

  it('redrive of an execution AWS will not redrive reports its error and exits 1', async () => {
    // Prepare
    sfn.on(RedriveExecutionCommand).rejects(new ExecutionNotRedrivable({ message: 'Execution is SUCCEEDED', $metadata: {} }));

    // Act
    const { code, err } = await etl(['executions', 'redrive', NAME, '--aws', '--state-machine', STATE_MACHINE, '--region', 'eu-west-1']);

    // Assess
    expect(code).toBe(1);
    expect(err.join('\n')).toContain('ExecutionNotRedrivable: Execution is SUCCEEDED');
  });

  it('list filters by status and pages through ListExecutions', async () => {
    // Prepare
    sfn
      .on(ListExecutionsCommand)
      .resolvesOnce({
        executions: [{ executionArn: EXECUTION, stateMachineArn: STATE_MACHINE, name: NAME, status: 'FAILED', startDate: new Date('2026-11-25T09:00:00Z') }],
        nextToken: 't1',
      })
      .resolvesOnce({
        executions: [
          {
            executionArn: `${EXECUTION}-2`,
            stateMachineArn: STATE_MACHINE,
            name: `${NAME}-2`,
            status: 'FAILED',
            startDate: new Date('2026-11-25T08:00:00Z'),
            redriveCount: 1,
          },
        ],
      });

    // Act
    const { code, out } = await etl(['executions', 'list', '--aws', '--state-machine', STATE_MACHINE, '--status', 'FAILED', '--region', 'eu-west-1']);

    // Assess
    expect(code).toBe(0);
    const calls = sfn.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      expect.objectContaining({ stateMachineArn: STATE_MACHINE, statusFilter: 'FAILED', nextToken: undefined }),
      expect.objectContaining({ stateMachineArn: STATE_MACHINE, statusFilter: 'FAILED', nextToken: 't1' }),
    ]);
    expect(out).toHaveLength(2);
    expect(out[1]).toContain('redriven 1×');
  });

  it('takes the region from the ARN when --region is not given', async () => {
    // Prepare
    const saved = { region: process.env.AWS_REGION, defaultRegion: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });

    // Act
    const { code } = await etl(['executions', 'list', '--aws', '--state-machine', STATE_MACHINE]);
    const notAnArn = await etl(['executions', 'show', 'x', '--aws', '--state-machine', 'etl-pipeline']);
    Object.assign(process.env, { AWS_REGION: saved.region, AWS_DEFAULT_REGION: saved.defaultRegion });

    // Assess
    expect(code).toBe(0);
    expect(await sfn.commandCalls(ListExecutionsCommand)[0].thisValue.config.region()).toBe('eu-west-1');
    expect(notAnArn.code).toBe(2);
    expect(notAnArn.err).toEqual([expect.stringMatching(/^etl: --state-machine must be a state machine ARN/)]);
  });

  it('show reads DescribeExecution and the whole GetExecutionHistory', async () => {
    // Prepare
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: EXECUTION,
      stateMachineArn: STATE_MACHINE,
      name: NAME,
      status: 'FAILED',
      startDate: new Date('2026-11-25T09:00:00Z'),
      error: 'QualityThresholdError',
      cause: 'malformedRowRatio 12.0% > fail 10.0%',
    });
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, timestamp: new Date('2026-11-25T09:00:00Z'), type: 'ExecutionStarted' },
        { id: 2, timestamp: new Date('2026-11-25T09:00:01Z'), type: 'TaskStateEntered', stateEnteredEventDetails: { name: STATE.Validate } },
      ],
    });

    // Act
    const { code, out } = await etl(['executions', 'show', NAME, '--aws', '--state-machine', STATE_MACHINE, '--region', 'eu-west-1']);

    // Assess
    expect(code).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: EXECUTION });
    expect(sfn).toHaveReceivedCommandWith(GetExecutionHistoryCommand, { executionArn: EXECUTION });
    expect(out.join('\n')).toMatch(/status: FAILED[\s\S]*QualityThresholdError[\s\S]*TaskStateEntered +Validate/);
  });

  it('--aws without a state machine is a usage error', async () => {
    // Prepare
    delete process.env.ETL_STATE_MACHINE_ARN;

    // Act
    const { code, err } = await etl(['executions', 'list', '--aws']);

    // Assess
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('--state-machine');
  });
});
