/**
 * `etl executions … --aws`: every AWS error is one line naming the fix, exit 1 (it was an SDK
 * stack trace: `etl: unexpected error: CredentialsProviderError…`). The installed bin with no
 * credentials at all and with Step Functions out of reach, against moto's real Step Functions
 * API (no such state machine, no such execution, and a success), and the service's refusals
 * that moto does not give (AccessDenied, an expired token …) injected with aws-sdk-client-mock.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

import { CreateStateMachineCommand, ListExecutionsCommand, SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';

import { AwsRequestError, awsRequestError } from '../../local/cli/aws-errors';
import { main } from '../../local/cli/main';
import { PROJECT_ROOT, tempRoot } from '../helpers/local-root';
import { type MotoServer, startMotoServer } from '../helpers/moto-server';

const ETL = path.join(PROJECT_ROOT, 'bin', 'etl.js');
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:x';

/**
 * An environment in which the AWS SDK finds no credentials: none in the variables, empty config
 * and credentials files, no instance metadata; Step Functions at `endpoint` (127.0.0.1 only).
 */
function bareEnv(endpoint: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = tempRoot();
  writeFileSync(path.join(home, 'config'), '');
  writeFileSync(path.join(home, 'credentials'), '');
  return {
    PATH: process.env.PATH,
    HOME: home,
    TZ: process.env.TZ,
    AWS_CONFIG_FILE: path.join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SFN: endpoint,
    ...extra,
  };
}

/** The bin, run with an environment of its own. */
function etlBin(args: readonly string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [ETL, ...args], { env, encoding: 'utf-8', cwd: tempRoot() });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const TEST_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };

/** A port on 127.0.0.1 that nothing listens on (one just closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('etl executions --aws: one line naming the fix, exit 1', () => {
  it('no credentials: CredentialsProviderError as one line naming AWS_PROFILE and the keys, no stack', () => {
    // Prepare
    const env = bareEnv('http://127.0.0.1:9');

    // Act
    const text = etlBin(['executions', 'list', '--aws', '--state-machine', STATE_MACHINE], env);
    const json = etlBin(['executions', 'list', '--aws', '--state-machine', STATE_MACHINE, '--json'], env);

    // Assess
    expect({ status: text.status, stdout: text.stdout }).toEqual({ status: 1, stdout: '' });
    expect(text.stderr).toMatch(
      /^etl: CredentialsProviderError: Could not load credentials from any providers; no AWS credentials found: set AWS_PROFILE .*AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n$/,
    );
    expect({ status: json.status, stderr: json.stderr }).toEqual({ status: 1, stderr: '' });
    expect(JSON.parse(json.stdout)).toEqual({ error: { name: 'AwsRequestError', message: expect.stringMatching(/^CredentialsProviderError: .*AWS_PROFILE/) } });
  });

  it('Step Functions out of reach: ECONNREFUSED naming the endpoint, the region and AWS_ENDPOINT_URL_SFN', async () => {
    // Prepare
    const env = bareEnv(`http://127.0.0.1:${await closedPort()}`, TEST_CREDENTIALS);

    // Act
    const shown = etlBin(['executions', 'show', 'some-execution', '--aws', '--state-machine', STATE_MACHINE], env);

    // Assess
    expect(shown.status).toBe(1);
    expect(shown.stderr).toMatch(
      /^etl: ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:\d+; cannot reach AWS Step Functions: check --region, .*AWS_ENDPOINT_URL_SFN if set\n$/,
    );
  });

  describe("against moto's Step Functions", () => {
    let moto: MotoServer;
    let stateMachineArn: string;

    beforeAll(async () => {
      moto = await startMotoServer();
      const sfn = new SFNClient(moto.clientConfig);
      const created = await sfn.send(
        new CreateStateMachineCommand({
          name: 'etl-pipeline',
          definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
          roleArn: 'arn:aws:iam::123456789012:role/etl-pipeline-state-machine',
        }),
      );
      stateMachineArn = created.stateMachineArn as string;
      await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'orders-orders-clean-0123456789abcdef01234567', input: '{}' }));
      sfn.destroy();
    });

    afterAll(async () => {
      await moto?.stop();
    });

    it('lists an execution; no such state machine, no such execution: one line each, exit 1', () => {
      // Prepare
      const env = bareEnv(moto.clientConfig.endpoint, TEST_CREDENTIALS);
      const missingMachine = stateMachineArn.replace(/:etl-pipeline$/, ':no-such-machine');

      // Act
      const listed = etlBin(['executions', 'list', '--aws', '--state-machine', stateMachineArn], env);
      const noMachine = etlBin(['executions', 'list', '--aws', '--state-machine', missingMachine], env);
      const noExecution = etlBin(['executions', 'show', 'no-such-execution', '--aws', '--state-machine', stateMachineArn], env);

      // Assess
      expect({ status: listed.status, stderr: listed.stderr }).toEqual({ status: 0, stderr: '' });
      expect(listed.stdout).toMatch(/^(RUNNING|SUCCEEDED) +\S+ +orders-orders-clean-0123456789abcdef01234567\n$/);
      expect(noMachine.status).toBe(1);
      expect(noMachine.stderr).toMatch(
        /^etl: StateMachineDoesNotExist: .*no-such-machine.*; check --state-machine \(or ETL_STATE_MACHINE_ARN\) against the stack's StateMachineArn output, .*\n$/,
      );
      expect(noExecution.status).toBe(1);
      expect(noExecution.stderr).toMatch(
        /^etl: ExecutionDoesNotExist: .*no-such-execution.*; check the name \(etl executions list --aws lists them\) and --state-machine\n$/,
      );
    });
  });

  describe('refusals moto does not give, injected', () => {
    // Mocked from here only: the moto tests above send real requests.
    let sfn: ReturnType<typeof mockClient>;
    beforeAll(() => (sfn = mockClient(SFNClient)));
    afterAll(() => sfn.restore());

    /** A service exception as the SDK throws it. */
    const refusal = (name: string, message: string): SFNServiceException =>
      new SFNServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });

    it.each([
      [
        'AccessDeniedException',
        'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: states:ListExecutions on resource: x',
        /grant it to the user or role/,
      ],
      ['ExpiredTokenException', 'The security token included in the request is expired', /have expired: get fresh ones \(aws sso login/],
      ['UnrecognizedClientException', 'The security token included in the request is invalid.', /check AWS_ACCESS_KEY_ID or the profile/],
      [
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided.',
        /check AWS_SECRET_ACCESS_KEY .*the clock is off/,
      ],
      ['ThrottlingException', 'Rate exceeded', /try again in a moment/],
      ['SomethingNewException', 'a refusal this CLI does not know', /^SomethingNewException: a refusal this CLI does not know$/],
    ])('%s: one line with AWS’s words and the fix', async (name, message, fix) => {
      // Prepare
      sfn.reset();
      sfn.on(ListExecutionsCommand).rejects(refusal(name, message));
      const err: string[] = [];

      // Act
      const code = await main(['executions', 'list', '--aws', '--state-machine', STATE_MACHINE], { out: () => undefined, err: (l) => err.push(l) });

      // Assess
      expect(code).toBe(1);
      expect(err).toHaveLength(1);
      expect(err[0]).not.toContain('\n');
      expect(err[0].startsWith(`etl: ${name}: ${message.replace(/\.$/, '')}`)).toBe(true);
      expect(err[0].replace(/^etl: /, '')).toMatch(fix);
    });
  });

  it('the SDK’s own failures: a missing region, an answer that is not Step Functions’; anything else stays a bug', () => {
    // Act
    const region = awsRequestError(new Error('Region is missing'));
    const notSfn = awsRequestError(
      Object.assign(new SyntaxError('Unexpected token \'<\', "<html>" is not valid JSON\n  Deserialization error: to see the raw response, inspect…'), {
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const bug = awsRequestError(new TypeError('x is not a function'));

    // Assess
    expect(region).toBeInstanceOf(AwsRequestError);
    expect(region?.message).toBe('Error: Region is missing; give --region, or set AWS_REGION');
    expect(notSfn?.message).toBe(
      "SyntaxError: Unexpected token '<', \"<html>\" is not valid JSON; the answer (HTTP 403) is not Step Functions': check AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_SFN and any proxy",
    );
    expect(bug).toBeUndefined();
  });
});
