/**
 * The notifications as the state machine publishes them, against moto's SNS server on 127.0.0.1:
 * each Notify state of the ASL (its Parameters applied by the interpreter) publishes a real outcome
 * to a real topic, and SNS's rules on the subject hold — "less than 100 characters", valid UTF-8 —
 * also for the longest file names (moto accepts 100: the rule is checked here too).
 */
import { CreateTopicCommand, PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';

import { buildExecutionInput, type ExecutionInput } from '../../core/execution-input';
import { TOPICS, failedOutcome, loadedOutcome, type Outcome } from '../../core/outcome';
import type { QualityFinding } from '../../core/quality';
import { runReportSchema } from '../../core/run-report';
import { STATE } from '../../statemachine/definition';
import { loadFixture } from '../fixtures/load-fixture';
import { failingWith, runStates } from '../helpers/asl-run';
import { type MotoServer, startMotoServer } from '../helpers/moto-server';

/** `[STATUS] orders: ` is 18 characters: an 82-character file name made a subject of exactly 100. */
const FILE_NAMES = {
  'a subject of exactly 100 characters': `${'n'.repeat(78)}.csv`,
  'a long file name': `${'daily-orders-'.repeat(20)}.csv`,
  'an emoji where the subject is cut': `${'x'.repeat(79)}😀😀.csv`,
  'a short file name': 'orders 2026-11-25.csv',
};

/** A notification as moto's SNS recorded it. */
interface Sent {
  readonly topic: string;
  readonly message: string;
  readonly subject: string | null;
  readonly attributes: Record<string, { Type: string; Value: string }>;
}

let moto: MotoServer;
let sns: SNSClient;
/** Topic ARNs in moto, by topic name. */
const topicArns = new Map<string, string>();

/** What the topics received so far, each topic's in order (moto's introspection API). */
async function sent(): Promise<Sent[]> {
  const data = (await (await fetch(`${moto.clientConfig.endpoint}/moto-api/data.json`)).json()) as {
    sns: { Topic: { name: string; sent_notifications: [string, string, string | null, Sent['attributes'], unknown][] }[] };
  };
  return data.sns.Topic.flatMap((t) => t.sent_notifications.map(([, message, subject, attributes]) => ({ topic: t.name, message, subject, attributes })));
}

/** The Notify state's publish, sent to moto (the local topic ARN mapped to moto's). */
const publish = async (params: unknown): Promise<{ MessageId: string }> => {
  const input = params as PublishCommandInput;
  const topic = String(input.TopicArn).slice(String(input.TopicArn).lastIndexOf(':') + 1);
  const out = await sns.send(new PublishCommand({ ...input, TopicArn: topicArns.get(topic) }));
  return { MessageId: out.MessageId ?? '' };
};

function execution(file: string): ExecutionInput {
  return buildExecutionInput(
    { bucket: 'etl-bucket', key: `extract/2026/${file}`, version: 'e1', versionId: 'v1', sizeBytes: 4718, eventTime: '2026-11-25T09:30:12.345Z' },
    { name: 'orders', match: 'extract/**' },
  );
}

/** The last notification a topic received. */
async function lastOn(topic: string): Promise<Sent | undefined> {
  return (await sent()).filter((s) => s.topic === topic).at(-1);
}

/** Each Notify state, the outcome it announces and where the state reads it. */
function notifications(file: string): { state: string; topic: string; outcome: Outcome; at: 'outcome' | 'failure' }[] {
  const input = execution(file);
  const report = runReportSchema.parse(loadFixture('run-report-succeeded.json'));
  const finding: QualityFinding = { check: 'duplicateRatio', level: 'warn', message: 'duplicateRatio 2.5% > warn 2.0%' };
  const caught = { Error: 'States.TaskFailed', Cause: '{"ErrorMessage":"QualityThresholdError: malformedRatio 9% > fail 5%"}' };
  return [
    { state: STATE.NotifySuccess, topic: TOPICS.success, outcome: loadedOutcome(input, report, []), at: 'outcome' },
    { state: STATE.NotifyWarning, topic: TOPICS.warning, outcome: loadedOutcome(input, report, [finding]), at: 'outcome' },
    {
      state: STATE.NotifyRejected,
      topic: TOPICS.failure,
      outcome: failedOutcome(input, STATE.Validate, { Error: 'HeaderMismatchError', Cause: 'header differs' }, { rejected: true }),
      at: 'outcome',
    },
    { state: STATE.NotifyTransformFailure, topic: TOPICS.failure, outcome: failedOutcome(input, STATE.Transform, caught, { rejected: false }), at: 'failure' },
  ];
}

beforeAll(async () => {
  moto = await startMotoServer();
  sns = new SNSClient(moto.clientConfig);
  for (const name of Object.values(TOPICS)) topicArns.set(name, (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn as string);
});

afterAll(async () => {
  sns?.destroy();
  await moto?.stop();
});

describe.each(Object.entries(FILE_NAMES))('with %s', (_case, file) => {
  it.each(notifications(file).map((n) => [n.state, n] as const))('%s publishes the outcome to its topic, with a subject SNS takes', async (state, n) => {
    // Act: the failure paths go on to the gate, which fails the execution as the real one does
    const run = await runStates(
      state,
      { ...execution(file), [n.at]: n.outcome },
      {
        [state]: publish,
        [STATE.RedriveGate]: failingWith('QualityThresholdError'),
      },
    );

    // Assess: SNS took it at the first attempt, as the state machine sends it
    expect(run.retried).toEqual([]);
    expect(run.entered).not.toContain(STATE.NotifyCritical);
    expect(await lastOn(n.topic)).toEqual({
      topic: n.topic,
      message: n.outcome.message,
      subject: n.outcome.subject,
      attributes: { dataset: { Type: 'String', Value: 'orders' }, status: { Type: 'String', Value: n.outcome.status } },
    });
    expect(n.outcome.subject.length).toBeLessThan(100);
    // No half of a surrogate pair: the text survives UTF-8.
    expect(Buffer.from(n.outcome.subject, 'utf-8').toString('utf-8')).toBe(n.outcome.subject);
  });
});

it('NotifyCritical publishes the whole state, with the error as an attribute', async () => {
  // Prepare
  const state = { ...execution('orders.csv'), error: { Error: 'Lambda.Unknown', Cause: 'Unhandled' } };

  // Act
  const run = await runStates(STATE.NotifyCritical, state, { [STATE.NotifyCritical]: publish, [STATE.RedriveGate]: failingWith('PipelineCriticalError') });

  // Assess
  const received = await lastOn(TOPICS.critical);
  expect(run.entered.slice(0, 2)).toEqual([STATE.NotifyCritical, STATE.RecordCritical]);
  expect(JSON.parse(received?.message ?? '')).toEqual(state);
  expect(received?.attributes.error).toEqual({ Type: 'String', Value: 'Lambda.Unknown' });
});
