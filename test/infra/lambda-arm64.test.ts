/**
 * The deployed bundles run as deployed (issue 23, item 12): every Node.js function of the
 * synthesized stack, from its staged asset in the cloud assembly, on the official Node.js 24 binary
 * for linux-arm64 under qemu (scripts/arm64-node.sh installs both, and the AArch64 C/C++ runtime
 * libraries they load), with its handler string and the template's environment resolved to local
 * values, every AWS call going to moto's server on 127.0.0.1.
 *
 * Per file: the S3 event of an upload to moto's S3 invokes the function the bucket's notification
 * names (the trigger), which starts the execution on moto's Step Functions, whose state machine is
 * the template's definition; moto stores executions but does not run them, so the test runs that
 * definition (aws-local-stepfunctions) from the execution's input, each Lambda Task invoking its
 * function on arm64 with what the previous state produced. The outcome — the states taken, the
 * notifications, and every object in the bucket (Parquet rows, run report, archived or rejected
 * input, the dataset's state) — must equal the local run's of the same file (`LocalPipeline`,
 * in-process on this machine).
 *
 * An invocation is a fresh process (lambda-runtime-shim.mjs loads the bundle by its handler string
 * and calls it with the event and a context), so each is a cold start. The Lambda Runtime API (a
 * local server of /2018-06-01/runtime/invocation/next) would need a runtime client inside the
 * process, which Lambda's own image provides and the Node.js binary does not: the test would then
 * exercise a client written for it, and warm invocations would save little (one or two per function).
 */
import 'aws-cdk-lib/testhelpers/jest-autoclean';

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DuckDBInstance } from '@duckdb/node-api';
import { DescribeExecutionCommand, DescribeStateMachineCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';

import type { ExecutionInput } from '../../core/execution-input';
import { S3ObjectStore } from '../../handlers/adapters/s3-object-store';
import { encodeEventKey } from '../../local/runtime/s3-event';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { loadFixture } from '../fixtures/load-fixture';
import { type Arm64Node, installArm64Node, runOnArm64 } from '../helpers/arm64-node';
import { type BucketSnapshot, normalizeJson, normalizer, type RunNames, snapshotBucket } from '../helpers/bucket-snapshot';
import { resolveIntrinsics } from '../helpers/cfn-intrinsics';
import {
  type DeployedFunction,
  type DeployedStack,
  deployedStack,
  type Invocation,
  invokeOnArm64,
  LambdaFunctionError,
  type LocalAws,
} from '../helpers/deployed-function';
import { type DrivenExecution, driveExecution } from '../helpers/drive-execution';
import { notifications, sample, tempRoot } from '../helpers/local-root';
import { type MotoServer, startMotoServer } from '../helpers/moto-server';
import { createStackOnMoto, lambdaNotifications, MOTO_ACCOUNT_ID, notificationFor, type StackOnMoto } from '../helpers/stack-on-moto';
import { synthPipeline } from './synth-pipeline';

/**
 * qemu's CPU models, in the order tried: its default (`max`, every feature it emulates), then
 * Graviton2's core (Lambda's arm64 runs on Graviton), if a process dies without an outcome.
 */
const QEMU_CPUS = [undefined, 'neoverse-n1'] as const;

/**
 * Budgets for a loaded 2-core machine, measured here: a cold start of a bundle under qemu takes
 * 5–8 s (the fast path's, which loads DuckDB's binding, 10–15 s), about 3× that under load. The
 * setup installs qemu, the libraries and Node.js on a fresh machine (apt, npm: up to minutes),
 * synthesizes the stack (about 20 s) and runs the files locally.
 */
const SETUP_TIMEOUT_MS = 15 * 60 * 1000;
/** A few arm64 processes outside the pipeline's runs (the Node.js binary, DuckDB's binding on two CPU models). */
const ARM64_SMOKE_TIMEOUT_MS = 5 * 60 * 1000;
/**
 * The ASL's Task timeouts, scaled for emulation: 60 s bound DescribeTransformFailure and
 * RedriveGate on Graviton, and a cold start under qemu on a loaded machine took up to 15 s (the
 * fast path's up to 52 s against its 900 s).
 */
const TASK_TIMEOUT_SCALE = 10;
/** One file: up to 6 cold starts under qemu. */
const FILE_TIMEOUT_MS = 10 * 60 * 1000;

/** The S3 object-created event's time for every upload: both runs file the load under its date. */
const EVENT_TIME = '2026-11-25T09:30:12.345Z';

/** What the local runtime writes beside the bucket's objects: its functions' log files and its SNS stand-in's record. */
const LOCAL_RUNTIME_FILES = (key: string): boolean => key.startsWith('logs/lambda/') || key === 'logs/notifications.jsonl';
/** Every object a run may write. */
const BUCKET_PREFIXES = ['extract/', 'load/', 'logs/'];

/** A dataset file the ASL takes from the trigger to one of its ends. */
interface Case {
  /** What the file is for and where it ends. */
  readonly title: string;
  /** The file (written into `dir` if the case makes it). */
  readonly file: (dir: string) => string;
  readonly key: string;
  /** The functions its execution runs, in order (across the cases: every Node.js function of the stack). */
  readonly runs: readonly string[];
  /** Where the run leaves the input (the execution input's `archivedKey`, `rejectedKey`, or `key`). */
  readonly input: 'archived' | 'rejected' | 'left';
  /** Whether it loads rows (Parquet under the dataset's table) and writes a run report. */
  readonly loads: boolean;
  readonly reports: boolean;
}

/** A file whose transform fails its quality thresholds: 20 copies of one order line (19 duplicates of 20, above the 90 % limit). */
function duplicatesOnly(dir: string): string {
  const [header, line] = readFileSync(sample('orders-clean.csv'), 'utf-8').split('\n');
  const file = path.join(dir, 'orders-all-duplicates.csv');
  writeFileSync(file, `${[header, ...Array.from({ length: 20 }, () => line)].join('\n')}\n`);
  return file;
}

const CASES: readonly Case[] = [
  {
    title: 'a file with duplicates: loaded by the fast path, summarized, archived',
    file: () => sample('orders-with-duplicates.csv'),
    key: 'extract/orders-with-duplicates.csv',
    runs: ['etl-trigger-function', 'etl-validate-function', 'etl-transform-in-lambda-function', 'etl-summarize-function', 'etl-archive-function'],
    input: 'archived',
    loads: true,
    reports: true,
  },
  {
    title: 'a file with a wrong header: rejected',
    file: () => sample('orders-rejected.csv'),
    key: 'extract/orders-rejected.csv',
    runs: ['etl-trigger-function', 'etl-validate-function', 'etl-reject-function'],
    input: 'rejected',
    loads: false,
    reports: false,
  },
  {
    title: 'a file the transform refuses (quality thresholds): described, left in extract/, failed by the redrive gate',
    file: duplicatesOnly,
    key: 'extract/orders-all-duplicates.csv',
    runs: ['etl-trigger-function', 'etl-validate-function', 'etl-transform-in-lambda-function', 'etl-describe-failure-function', 'etl-redrive-gate-function'],
    input: 'left',
    loads: false,
    reports: true,
  },
];

let scratch: string;
let arm64: Arm64Node;
let stack: DeployedStack;
let moto: MotoServer;
let onMoto: StackOnMoto;
let aws: LocalAws;
let s3: S3Client;
let sns: SNSClient;
let sfn: SFNClient;
let local: LocalPipeline;
let localRoot: string;
const invocations: Invocation[] = [];
/** The names of each case's runs, on S3 and locally, as the cases ran. */
const runNames: { s3: RunNames[]; local: RunNames[] } = { s3: [], local: [] };
const started = Date.now();

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'etl-arm64-'));
  // Prepare: Node.js for arm64 under qemu (installed when missing), the stack from the cloud assembly.
  arm64 = installArm64Node();
  const built = synthPipeline();
  stack = deployedStack(built.app.synth(), built.stack.stackName);

  // The stack's resources on moto, and the same files through the local runtime for reference.
  moto = await startMotoServer();
  aws = { region: moto.clientConfig.region, accountId: MOTO_ACCOUNT_ID, endpoint: moto.clientConfig.endpoint, credentials: moto.clientConfig.credentials };
  onMoto = await createStackOnMoto(stack.template, moto.clientConfig, { bucket: `etl-pipeline-data-${MOTO_ACCOUNT_ID}`, stackName: built.stack.stackName });
  s3 = new S3Client(moto.clientConfig);
  sns = new SNSClient(moto.clientConfig);
  sfn = new SFNClient(moto.clientConfig);
  localRoot = tempRoot();
  local = new LocalPipeline({ root: localRoot });
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  s3?.destroy();
  sns?.destroy();
  sfn?.destroy();
  await local?.close();
  await moto?.stop();
  const rows = invocations.map(
    (i) =>
      `${i.functionName.padEnd(34)} cpu ${(i.cpu ?? 'default').padEnd(11)} init ${String(i.initMs).padStart(6)} ms  handler ${String(i.durationMs).padStart(6)} ms  process ${String(i.wallMs).padStart(6)} ms${i.crashed.length ? `  (crashed before on: ${i.crashed.map((c) => `${c.cpu ?? 'default'} ${c.exit}`).join(', ')})` : ''}`,
  );
  console.log(`arm64 (qemu) invocations, ${invocations.length}; file wall time ${((Date.now() - started) / 1000).toFixed(1)} s\n${rows.join('\n')}`);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (localRoot) rmSync(localRoot, { recursive: true, force: true });
});

/** The function whose ARN (as the state machine's substitutions name it on moto) is `arn`. */
function fnOfArn(arn: string): DeployedFunction {
  const fn = stack.functions.find((f) => onMoto.values.attributes[f.logicalId]?.Arn === arn);
  if (!fn) throw new Error(`no function of the template has the ARN ${arn}`);
  return fn;
}

/** Invokes a function on arm64 with its template environment; resolves with its result or rejects as Lambda reports its error. */
async function invoke(fn: DeployedFunction, event: unknown): Promise<unknown> {
  const environment = resolveIntrinsics(fn.environment, onMoto.values) as Record<string, string>;
  const done = await invokeOnArm64(fn, event, { arm64, aws, environment, scratchDir: path.join(scratch, 'functions'), cpus: QEMU_CPUS });
  invocations.push(done);
  if (done.error) throw new LambdaFunctionError({ ...done, error: done.error });
  return done.result;
}

/** Uploads the file to moto's S3 and returns the event S3 sends for that version (the real event's shape, from the fixture). */
async function uploadToS3(file: string, key: string): Promise<object> {
  await s3.send(new PutObjectCommand({ Bucket: onMoto.bucket, Key: key, Body: readFileSync(file) }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: onMoto.bucket, Key: key }));
  const event = loadFixture<{ Records: Record<string, unknown>[] }>('s3-object-created-put.json');
  const [record] = event.Records as { awsRegion: string; eventTime: string; s3: { bucket: { name: string; arn: string }; object: Record<string, unknown> } }[];
  record.awsRegion = aws.region;
  record.eventTime = EVENT_TIME;
  record.s3.bucket = { ...record.s3.bucket, name: onMoto.bucket, arn: `arn:aws:s3:::${onMoto.bucket}` };
  record.s3.object = {
    key: encodeEventKey(key),
    size: head.ContentLength,
    eTag: (head.ETag as string).replace(/"/g, ''),
    versionId: head.VersionId,
    sequencer: Date.now().toString(16).toUpperCase(),
  };
  return event;
}

/** The local run of a file under the same key, at the same event time, as its history records it. */
async function runLocally(file: string, key: string): Promise<{ input: ExecutionInput; execution: Omit<DrivenExecution, 'published'> }> {
  local.put(file, key);
  const triggered = await local.deliver(await local.objectCreatedEvent(key, new Date(EVENT_TIME)));
  const [{ executionName }] = triggered.started;
  const record = await local.waitFor(executionName);
  const events = local.store.events(executionName);
  const detail = (e: (typeof events)[number]) => e.detail as { state: { name: string; output?: unknown }; Error?: string };
  return {
    input: record.input as ExecutionInput,
    execution: {
      entered: events.filter((e) => e.type === 'StateEntered').map((e) => detail(e).state.name),
      exited: events.filter((e) => e.type === 'StateExited').map((e) => ({ state: detail(e).state.name, output: detail(e).state.output })),
      failed: events.filter((e) => e.type === 'StateFailed').map((e) => ({ state: detail(e).state.name, error: detail(e).Error as string })),
      status: record.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED',
      ...(record.error === null ? {} : { error: record.error }),
    },
  };
}

/**
 * A state's output without what differs by design between Step Functions and the local runtime,
 * or by the way a bucket streams an object rather than by the code:
 * - a caught Lambda error's `Cause` is, on Step Functions, the runtime's JSON error payload
 *   (`errorType`, `errorMessage`, `trace`); the local runtime gives the message: compared by message;
 * - the validation report of a refused file gives `uncompressedBytes` only if the stream had ended
 *   when Validate stopped reading, which S3's body (one chunk for a small object) has and a local
 *   file's stream may not have.
 */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const refused = object.valid === false;
  const entries = Object.entries(object)
    .filter(([k]) => !(refused && k === 'uncompressedBytes'))
    .map(([k, v]) => [k, k === 'Cause' && typeof object.Error === 'string' ? lambdaErrorMessage(v) : comparable(v)] as const);
  return Object.fromEntries(entries);
}

/** The message of Lambda's error payload (a Task's `Cause` on Step Functions), else the cause as it is. */
function lambdaErrorMessage(cause: unknown): unknown {
  if (typeof cause !== 'string' || !cause.startsWith('{')) return cause;
  const payload = JSON.parse(cause) as { errorType?: string; errorMessage?: string };
  return payload.errorType !== undefined && payload.errorMessage !== undefined ? payload.errorMessage : cause;
}

const topicName = (arn: string): string => arn.slice(arn.lastIndexOf(':') + 1);

const namesOf = (input: ExecutionInput): RunNames => ({
  bucket: input.bucket,
  executionName: input.executionName,
  uploadId: input.uploadId,
  loadId: input.loadId,
  version: input.version,
  versionId: input.versionId,
});

it(
  'runs every Node.js function of the stack on arm64, on the Node.js of its runtime',
  async () => {
    // Act: the binary under qemu, as the functions run
    const run = await runOnArm64(arm64, ['-p', 'process.version + " " + process.arch + " " + process.platform'], {
      env: { PATH: '/usr/bin:/bin' },
      cwd: scratch,
      killAfterMs: 120_000,
    });

    // Assess
    expect(stack.functions.map((f) => f.functionName).sort()).toEqual([...new Set(CASES.flatMap((c) => c.runs))].sort());
    for (const fn of stack.functions)
      expect({ fn: fn.functionName, runtime: fn.runtime, architectures: fn.architectures }).toEqual({
        fn: fn.functionName,
        runtime: `nodejs${arm64.nodeVersion.split('.')[0]}.x`,
        architectures: ['arm64'],
      });
    expect({ code: run.code, output: run.output.trim() }).toEqual({ code: 0, output: `v${arm64.nodeVersion} arm64 linux` });
  },
  ARM64_SMOKE_TIMEOUT_MS,
);

it(
  "loads DuckDB's arm64 binding from each bundle that ships it and computes what DuckDB computes here, also on Graviton2's core",
  async () => {
    // Prepare: a query over DuckDB's vectorized paths (hashing, aggregation, decimals, regex, sorting)
    const sql =
      "SELECT count(*)::VARCHAR AS n, sum(CAST(i AS DECIMAL(18,2)) / 3)::VARCHAR AS s, md5(string_agg(regexp_replace((i * 7919 % 10007)::VARCHAR, '([0-9])$', 'x\\1'), ',' ORDER BY i % 97, i)) AS h FROM range(200000) t(i)";
    const here = await DuckDBInstance.create(':memory:');
    const db = await here.connect();
    const expectedRows = (await db.runAndReadAll(sql)).getRowObjectsJS();
    db.closeSync();
    here.closeSync();
    const bundles = stack.functions.filter((f) => existsSync(path.join(f.bundleDir, 'node_modules', '@duckdb', 'node-api')));
    const code = `(async () => { const { DuckDBInstance } = require('@duckdb/node-api'); const db = await (await DuckDBInstance.create(':memory:')).connect(); console.log(JSON.stringify((await db.runAndReadAll(${JSON.stringify(sql)})).getRowObjectsJS())); })().catch((e) => { console.error(e); process.exit(1); })`;

    // Act
    const runs = [];
    for (const fn of bundles) {
      for (const cpu of QEMU_CPUS) {
        const run = await runOnArm64(arm64, ['-e', code], { env: { PATH: '/usr/bin:/bin', TZ: ':UTC' }, cwd: fn.bundleDir, cpu, killAfterMs: 5 * 60 * 1000 });
        runs.push({
          fn: fn.functionName,
          cpu: cpu ?? 'default',
          code: run.code,
          rows: run.code === 0 ? (JSON.parse(run.output) as unknown) : run.output.slice(-2000),
        });
      }
    }

    // Assess
    expect(bundles.length).toBeGreaterThan(0);
    expect(runs).toEqual(bundles.flatMap((fn) => QEMU_CPUS.map((cpu) => ({ fn: fn.functionName, cpu: cpu ?? 'default', code: 0, rows: expectedRows }))));
  },
  ARM64_SMOKE_TIMEOUT_MS,
);

describe.each(CASES.map((c, index) => [c.title, index] as const))('%s', (_title, index) => {
  const { file, key, runs, ...expected } = CASES[index];
  let filePath: string;
  let input: ExecutionInput;
  let driven: DrivenExecution;
  let reference: Awaited<ReturnType<typeof runLocally>>;
  let ran: Invocation[];

  beforeAll(async () => {
    // Prepare: the reference run, then the upload to moto's S3
    filePath = file(scratch);
    reference = await runLocally(filePath, key);
    const event = await uploadToS3(filePath, key);
    const rule = notificationFor(lambdaNotifications(stack.template), key);
    if (!rule) throw new Error(`no notification of the bucket invokes a function for ${key}`);
    const before = invocations.length;

    // Act: S3's event to the function the bucket notifies, which starts the execution on moto
    const triggered = (await invoke(stack.functions.find((f) => f.logicalId === rule.functionLogicalId) as DeployedFunction, event)) as {
      started: { executionName: string }[];
    };
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: onMoto.stateMachineArn }));
    const execution = (listed.executions ?? []).find((e) => e.name === triggered.started[0]?.executionName);
    if (!execution) throw new Error(`the trigger started no execution on moto: ${JSON.stringify(triggered)}`);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
    input = JSON.parse(described.input ?? '{}') as ExecutionInput;
    runNames.s3.push(namesOf(input));
    runNames.local.push(namesOf(reference.input));
    const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: onMoto.stateMachineArn }));

    // Act: the states of the definition moto holds, each Lambda Task on arm64
    driven = await driveExecution({
      definition: machine.definition as string,
      execution: { executionArn: execution.executionArn as string, name: execution.name as string, input, startDate: described.startDate as Date },
      invoke: (arn, payload) => invoke(fnOfArn(arn), payload),
      sns,
      taskTimeoutScale: TASK_TIMEOUT_SCALE,
    });
    ran = invocations.slice(before);
  }, FILE_TIMEOUT_MS);

  it('runs its functions on arm64, each state with the output the local run gives it, ending the same way, with the same notifications', () => {
    // Prepare: the two runs' names (execution, upload, bucket, …) replaced alike, the clock left out
    const published = driven.published.map(({ topicArn, ...n }) => ({ topic: topicName(topicArn), ...n }));
    const onArm64 = normalizeJson(comparable({ ...driven, published }), normalizer(runNames.s3));
    const localNotes = notifications(localRoot)
      .filter((n) => n.executionName === reference.input.executionName)
      .map((n) => ({ topic: n.topic, subject: n.subject, message: n.message, attributes: n.attributes }));
    const onLocal = normalizeJson(comparable({ ...reference.execution, published: localNotes }), normalizer(runNames.local));

    // Assess
    // (The failed states first: a function that cannot run on arm64 shows there, with Lambda's error type.)
    expect(driven.failed).toEqual(reference.execution.failed);
    expect(ran.map((i) => i.functionName)).toEqual(runs);
    expect(driven.entered).toEqual(reference.execution.entered);
    expect(onArm64).toEqual(onLocal);
  });

  it('leaves in S3 what the local run leaves in its bucket: keys, Parquet rows, run report, archived or rejected input', async () => {
    // Act
    const dir = path.join(scratch, `snapshot-${index}`);
    const onS3: BucketSnapshot = await snapshotBucket(new S3ObjectStore(s3), onMoto.bucket, {
      prefixes: BUCKET_PREFIXES,
      runs: runNames.s3,
      scratchDir: path.join(dir, 's3'),
    });
    const onFolder: BucketSnapshot = await snapshotBucket(local.bucket, local.bucket.name, {
      prefixes: BUCKET_PREFIXES,
      runs: runNames.local,
      scratchDir: path.join(dir, 'local'),
      exclude: LOCAL_RUNTIME_FILES,
    });

    // Assess: what this run wrote is there (the comparison holds something) …
    const normalize = normalizer(runNames.s3);
    const inputAt = normalize({ archived: input.archivedKey, rejected: input.rejectedKey, left: input.key }[expected.input]);
    expect(onS3[inputAt]).toEqual({ kind: 'text', text: normalize(readFileSync(filePath, 'utf-8')) });
    if (expected.input !== 'left') expect(Object.keys(onS3)).not.toContain(key);
    const loaded = Object.entries(onS3).filter(
      ([k, o]) => k.startsWith(`${input.outputPrefix}dt=${input.ingestionDate}/`) && o.kind === 'parquet' && o.rows.length > 0,
    );
    expect(loaded.some(([k]) => k.includes(`<load#${index}>`))).toBe(expected.loads);
    expect(onS3[normalize(input.reportKey)]?.kind).toBe(expected.reports ? 'json' : undefined);
    // … and every object is the local run's, key for key
    expect(Object.keys(onS3).sort()).toEqual(Object.keys(onFolder).sort());
    expect(onS3).toEqual(onFolder);
  });
});
