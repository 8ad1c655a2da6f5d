/**
 * The Node.js Lambda functions of a synthesized stack, as deployed — each one's staged asset from
 * the cloud assembly, its handler string, memory, timeout and the template's environment — and
 * one invocation of such a function on Node.js for linux-arm64 under qemu, in a fresh process
 * (a cold start), through `lambda-runtime-shim.mjs`: the variables Lambda's runtime sets, the
 * template's own (resolved to local values), AWS endpoints on 127.0.0.1.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { AssetManifestArtifact, type CloudAssembly } from 'aws-cdk-lib/cx-api';

import { type Arm64Node, runOnArm64 } from './arm64-node';

/** The shim that loads a bundle by its handler string and invokes it once. */
export const LAMBDA_RUNTIME_SHIM = path.join(__dirname, 'lambda-runtime-shim.mjs');

/** A template resource, as far as these helpers read it. */
interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** A stack template. */
export interface StackTemplate {
  readonly Resources: Readonly<Record<string, TemplateResource>>;
}

/** One function of the template, as CloudFormation would create it. */
export interface DeployedFunction {
  readonly logicalId: string;
  readonly functionName: string;
  /** `index.handler`: the module and export the runtime loads. */
  readonly handler: string;
  /** `nodejs24.x` */
  readonly runtime: string;
  readonly architectures: readonly string[];
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** `Environment.Variables`, intrinsics unresolved. */
  readonly environment: Readonly<Record<string, unknown>>;
  /** `LoggingConfig.LogFormat` (`JSON` or `Text`). */
  readonly logFormat: string;
  /** The staged (unzipped) asset its `Code` names: what Lambda unpacks into `/var/task`. */
  readonly bundleDir: string;
}

/** A stack of a cloud assembly: its template and its Node.js functions. */
export interface DeployedStack {
  readonly template: StackTemplate;
  readonly functions: readonly DeployedFunction[];
}

/** The stack `stackName` of `assembly`, and every Node.js function in it with its staged asset. */
export function deployedStack(assembly: CloudAssembly, stackName: string): DeployedStack {
  const stack = assembly.getStackByName(stackName);
  const template = stack.template as StackTemplate;
  // The asset manifest maps each asset's object key in the bootstrap bucket to its staged folder.
  const staged = new Map<string, string>();
  for (const manifest of stack.dependencies.filter((d): d is AssetManifestArtifact => d instanceof AssetManifestArtifact)) {
    for (const file of Object.values(manifest.contents.files ?? {})) {
      for (const destination of Object.values(file.destinations))
        staged.set(destination.objectKey, path.join(path.dirname(manifest.file), file.source.path ?? ''));
    }
  }
  const functions = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && String(r.Properties?.Runtime).startsWith('nodejs'))
    .map(([logicalId, r]): DeployedFunction => {
      const p = r.Properties as Record<string, unknown>;
      const key = (p.Code as { S3Key?: string }).S3Key;
      const bundleDir = key === undefined ? undefined : staged.get(key);
      if (!bundleDir || !existsSync(bundleDir)) throw new Error(`${logicalId}: no staged asset for its code ${key} in ${assembly.directory}`);
      return {
        logicalId,
        functionName: String(p.FunctionName ?? logicalId),
        handler: String(p.Handler),
        runtime: String(p.Runtime),
        architectures: (p.Architectures as string[] | undefined) ?? ['x86_64'],
        memoryMb: Number(p.MemorySize ?? 128),
        timeoutSeconds: Number(p.Timeout ?? 3),
        environment: (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
        logFormat: String((p.LoggingConfig as { LogFormat?: string } | undefined)?.LogFormat ?? 'Text'),
        bundleDir,
      };
    });
  return { template, functions };
}

/** Where a function's AWS calls go, and with what identity. */
export interface LocalAws {
  readonly region: string;
  readonly accountId: string;
  /** `http://127.0.0.1:<port>` (moto's server). */
  readonly endpoint: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Options of {@link invokeOnArm64}. */
export interface InvokeOptions {
  readonly arm64: Arm64Node;
  readonly aws: LocalAws;
  /** The function's environment with its intrinsics resolved (strings only). */
  readonly environment: Readonly<Record<string, string>>;
  /** Holds the function's `/tmp` (its sandbox: paths under `/tmp` in its environment are moved here), events, outcomes and log. */
  readonly scratchDir: string;
  /** qemu CPU models to try in turn while the process dies without an outcome (`undefined`: qemu's default). */
  readonly cpus?: readonly (string | undefined)[];
  /** @default 10 minutes */
  readonly killAfterMs?: number;
}

/** What one invocation did. */
export interface Invocation {
  readonly functionName: string;
  /** The qemu CPU model it ran on (`undefined`: qemu's default, `max`). */
  readonly cpu: string | undefined;
  /** The models tried before, whose process died without an outcome, with how it ended. */
  readonly crashed: readonly { readonly cpu: string | undefined; readonly exit: string; readonly outputTail: string }[];
  /** From the process's start to its end. */
  readonly wallMs: number;
  /** Loading the bundle (the cold start's init), as the shim measured it. */
  readonly initMs?: number;
  /** The handler's own time. */
  readonly durationMs?: number;
  /** What the handler returned, unless it threw. */
  readonly result?: unknown;
  /** The error as Lambda reports it, when the handler threw. */
  readonly error?: { readonly errorType: string; readonly errorMessage: string; readonly trace: readonly string[] };
  /** The function's stdout and stderr (its log lines). */
  readonly output: string;
}

/**
 * Lambda's error for a handler that threw, as Step Functions surfaces it to a Task: `name` is the
 * runtime's `errorType` (what Retry and Catch match) and the message is the `Cause`, the JSON of
 * the runtime's error payload. Its name is the function's, so it sets none of its own.
 */
export class LambdaFunctionError extends Error {
  constructor(readonly invocation: Invocation & { readonly error: NonNullable<Invocation['error']> }) {
    super(JSON.stringify(invocation.error));
    this.name = invocation.error.errorType;
  }
}

/** The process of an invocation ended without an outcome, on every CPU model tried. */
export class Arm64InvocationCrashedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Arm64InvocationCrashedError';
  }
}

let invocations = 0;

/** The variables Lambda's runtime sets in a function's sandbox (AWS_LAMBDA_*, _HANDLER, TZ, …), for a local run. */
function runtimeEnvironment(fn: DeployedFunction, aws: LocalAws, requestNumber: number): Record<string, string> {
  const traceRoot = `1-${Math.floor(Date.now() / 1000).toString(16)}-${requestNumber.toString(16).padStart(24, '0')}`;
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: fn.bundleDir,
    _HANDLER: fn.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${requestNumber}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    ...(fn.logFormat === 'JSON' ? { AWS_LAMBDA_LOG_FORMAT: 'JSON' } : {}),
    AWS_REGION: aws.region,
    AWS_DEFAULT_REGION: aws.region,
    AWS_ACCESS_KEY_ID: aws.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: 'testing',
    // Every AWS call of the SDK goes to the local server; nothing asks the metadata service.
    AWS_ENDPOINT_URL: aws.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    // Active tracing, as deployed, with the trace header Lambda passes: not sampled, so the
    // instrumented clients send no segment (the daemon address is the loopback's all the same).
    _X_AMZN_TRACE_ID: `Root=${traceRoot};Parent=${requestNumber.toString(16).padStart(16, '0')};Sampled=0`,
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    SHIM_TIMEOUT_SECONDS: String(fn.timeoutSeconds),
    SHIM_FUNCTION_ARN: `arn:aws:lambda:${aws.region}:${aws.accountId}:function:${fn.functionName}`,
  };
}

/** A path of the function's environment under `/tmp`, moved into its sandbox's `/tmp`. */
function inSandbox(value: string, tmp: string): string {
  return value === '/tmp' || value.startsWith('/tmp/') ? path.join(tmp, value.slice('/tmp'.length)) : value;
}

/**
 * Invokes `fn` once with `event` on Node.js for linux-arm64 under qemu; resolves with what it
 * returned or threw ({@link Invocation}). When the process dies without an outcome (an
 * instruction qemu's CPU model lacks, a crash of a native module), the next CPU model of
 * `options.cpus` is tried; after the last, {@link Arm64InvocationCrashedError}.
 */
export async function invokeOnArm64(fn: DeployedFunction, event: unknown, options: InvokeOptions): Promise<Invocation> {
  invocations += 1;
  const n = invocations;
  const tmp = path.join(options.scratchDir, fn.functionName, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const eventFile = path.join(options.scratchDir, fn.functionName, `event-${n}.json`);
  const logFile = path.join(options.scratchDir, fn.functionName, 'output.log');
  writeFileSync(eventFile, JSON.stringify(event));
  const sandboxed = Object.fromEntries(Object.entries(options.environment).map(([name, value]) => [name, inSandbox(value, tmp)]));
  // Lambda's /tmp is the function's own: so are os.tmpdir() and the template's /tmp paths here.
  const env = { ...runtimeEnvironment(fn, options.aws, n), TMPDIR: tmp, ...sandboxed };
  const crashed: { cpu: string | undefined; exit: string; outputTail: string }[] = [];
  for (const cpu of options.cpus ?? [undefined]) {
    const outcomeFile = path.join(options.scratchDir, fn.functionName, `outcome-${n}${cpu ? `-${cpu}` : ''}.json`);
    appendFileSync(logFile, `--- invocation ${n} (cpu ${cpu ?? 'default'})\n`);
    const run = await runOnArm64(options.arm64, [LAMBDA_RUNTIME_SHIM, eventFile, outcomeFile], {
      env,
      cwd: fn.bundleDir,
      cpu,
      killAfterMs: options.killAfterMs ?? 10 * 60 * 1000,
      onOutput: (chunk) => appendFileSync(logFile, chunk),
    });
    if (run.code === 0 && existsSync(outcomeFile)) {
      const outcome = JSON.parse(readFileSync(outcomeFile, 'utf-8')) as {
        result?: unknown;
        errorType?: string;
        errorMessage?: string;
        trace?: string[];
        initMs?: number;
        durationMs?: number;
      };
      const base = {
        functionName: fn.functionName,
        cpu,
        crashed,
        wallMs: run.wallMs,
        initMs: outcome.initMs,
        durationMs: outcome.durationMs,
        output: run.output,
      };
      if (outcome.errorType === undefined) return { ...base, result: outcome.result };
      return { ...base, error: { errorType: outcome.errorType, errorMessage: outcome.errorMessage ?? '', trace: outcome.trace ?? [] } };
    }
    const exit = run.killed ? `killed after ${run.wallMs} ms` : run.signal ? `signal ${run.signal}` : `exit code ${run.code}`;
    crashed.push({ cpu, exit, outputTail: run.output.slice(-2000) });
  }
  throw new Arm64InvocationCrashedError(
    `${fn.functionName} on arm64 ended without an outcome: ${crashed.map((c) => `cpu ${c.cpu ?? 'default'}: ${c.exit}\n${c.outputTail}`).join('\n')}`,
  );
}
