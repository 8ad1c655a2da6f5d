/**
 * The embedded runtime: the real ASL executed by `aws-local-stepfunctions`, every Task state
 * served in-process — the real handler modules for the Lambdas, DuckDB for the Glue job, a
 * JSON-lines file for SNS — over a folder bucket, with the history kept in SQLite.
 */
import './node-compat';

import { appendFileSync, copyFileSync, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';

import { StateMachine } from 'aws-local-stepfunctions';

import { type EtlConfig, parseConfigText } from '../../core/config/dataset-config';
import { ConfigError } from '../../core/errors';
import type { TransformProgress } from '../../core/run-report';
import { GLUE_JOB, LAMBDA_STEPS, type LambdaStepKey, TASK_STEP_KEYS, type TaskStepKey } from '../../core/pipeline-steps';
import type { ExecutionLookup, ExecutionStarter, StartResult } from '../../handlers/adapters/execution-starter';
import { createArchiveHandler } from '../../handlers/archive';
import { createDescribeFailureHandler } from '../../handlers/describe-failure';
import { createRedriveGateHandler } from '../../handlers/redrive-gate';
import { createRejectHandler } from '../../handlers/reject';
import { createSummarizeHandler } from '../../handlers/summarize';
import { createTransformInLambdaHandler } from '../../handlers/transform-in-lambda';
import { createTriggerHandler, type TriggerResult } from '../../handlers/trigger';
import { createValidateHandler } from '../../handlers/validate';
import { retriersOf, STATE, type StateMachineDefinition, taskStates } from '../../statemachine/definition';
import { ExecutionStore, type ExecutionRecord } from './execution-store';
import { FolderBucket } from './folder-bucket';
import { DuckDbGlueJob } from './engines/duckdb-job';
import { type EngineName, type GlueJob, type JobArguments, jobRunFailed } from './engines/glue-job';
import { SparkGlueJob, type SparkWorker } from './engines/spark-job';
import { capturedObservability } from './log-capture';
import { type JsonInput, LOCAL_SUBSTITUTIONS, type LocalHandlers, loadLocalDefinition } from './definition';
import {
  ConcurrentRunsExceededError,
  ExecutionNotFoundError,
  ExecutionNotRedrivableError,
  FaultInjectedError,
  InjectedTimeoutError,
  LambdaRuntimeKilledError,
  NoLocalHandlerError,
  TooManyRequestsError,
} from './errors';
import type { FaultKind, Faults } from './faults';
import { encodeEventKey, objectCreatedEvent } from './s3-event';

/** The default dataset configuration file. */
export const DEFAULT_CONFIG_PATH = path.resolve(__dirname, '..', '..', 'etl.config.json');

/** A notification as the local SNS stand-in records it. */
export interface LocalNotification {
  readonly timestamp: string;
  readonly topic: string;
  readonly subject: string | null;
  readonly message: string;
  readonly attributes: Record<string, string>;
  readonly executionName: string;
}

/** How long a queued job run waits for a slot: about as long as the ASL's retries last on AWS. */
const DEFAULT_GLUE_QUEUE_MS = 10 * 60 * 1000;

/** Options of the local runtime. */
export interface LocalPipelineOptions {
  /** The local root: the bucket is `<root>/bucket`, the history `<root>/executions.sqlite`. */
  readonly root: string;
  /** The dataset configuration file. @default etl.config.json at the project root */
  readonly configPath?: string;
  /** The Glue job's max concurrent runs (beyond it, Glue.ConcurrentRunsExceededException). @default 2 */
  readonly maxConcurrentRuns?: number;
  /**
   * What runs the Transform state (the Glue job's, for files above their dataset's
   * fastPathMaxBytes; smaller ones take TransformInLambda, the fast path's handler): DuckDB
   * in-process, or glue/etl_runner.py on local Spark. @default 'duckdb'
   */
  readonly engine?: EngineName;
  /**
   * Every file takes the Glue route (the Transform state, on `engine`), whatever its size: the
   * trigger sets `forceGlueJob` in each execution's input, which ChooseEngine reads (the CLI's
   * `--engine`). @default false: ChooseEngine's size rule decides
   */
  readonly forceGlueJob?: boolean;
  /**
   * For the Spark engine: a worker shared with other pipelines (tests start the JVM once for
   * many roots); the pipeline does not stop it. @default a worker of the pipeline's own
   */
  readonly sparkWorker?: SparkWorker;
  /** DuckDB memory limit, of the Glue stand-in and of the fast path's handler. @default '2GB' */
  readonly memoryLimit?: string;
  /**
   * How long a job run beyond `maxConcurrentRuns` waits for a free slot before
   * Glue.ConcurrentRunsExceededException (as Glue's job run queuing). @default 10 minutes
   */
  readonly glueQueueMs?: number;
  /**
   * Pause between Transform retries on Glue.ConcurrentRunsExceededException, in ms: the ASL's
   * 30 s backoff is for AWS, where jobs run for minutes. @default 500
   */
  readonly transformRetryMs?: number;
  /**
   * Concurrent invocations each Lambda function takes, like Lambda's reserved concurrency (or a
   * new account's small unreserved pool): one more fails with Lambda.TooManyRequestsException, as
   * on AWS, and the ASL's Retry waits it out. @default no limit
   * @example { transformInLambda: 3 } // at most 3 fast-path runs at once
   */
  readonly lambdaConcurrency?: Readonly<Partial<Record<TaskStepKey, number>>>;
  /**
   * Pause between retries on Lambda.TooManyRequestsException, in ms: the ASL's backoff (up to
   * 2 min, fully jittered) is for AWS. Locally each retry waits this long, so the ASL's
   * MaxAttempts × this is how long a throttled invocation waits. @default 1000
   */
  readonly throttleRetryMs?: number;
  /** Task states made to fail (see faults.ts). @default none */
  readonly faults?: Faults;
  /** Called for each notification published. */
  readonly onNotification?: (notification: LocalNotification) => void;
  /** Called when an execution enters a state. */
  readonly onStateEntered?: (executionName: string, state: string) => void;
  /**
   * Called, every second or so, with what a running transform (TransformInLambda's or the Glue
   * job's) is doing. Without it the engines do not track their progress.
   */
  readonly onProgress?: (executionName: string, progress: TransformProgress) => void;
}

/** The result of one local execution. */
export type ExecutionResult = ExecutionRecord;

/** One local deployment of the pipeline. */
export class LocalPipeline {
  readonly bucket: FolderBucket;
  readonly store: ExecutionStore;
  readonly config: EtlConfig;
  /** The executions of the store, as the trigger (and `etl watch`) look a duplicate's up. */
  readonly executions: ExecutionLookup;
  private readonly glue: GlueJob;
  private readonly definition: StateMachineDefinition;
  private readonly stateMachine: StateMachine;
  /** Machines starting at another state, for redrives (built once per state). */
  private readonly resumeMachines = new Map<string, StateMachine>();
  /** Retry waits by state, one per Retrier: the ASL's are sized for AWS (minutes for throttling and Glue concurrency). */
  private readonly retryIntervalOverrides: Record<string, number[]> = {};
  private readonly running = new Map<string, Promise<ExecutionRecord>>();
  private readonly notificationsFile: string;
  /** The in-process Lambda functions, by their local ARN (the Resource of their Tasks). */
  private readonly handlers: ReadonlyMap<string, LambdaHandler>;
  private readonly trigger;
  private glueRuns = 0;
  /** Job runs waiting for a free slot, first come first served. */
  private readonly glueWaiters: (() => void)[] = [];
  /** The in-process functions' log files. */
  private readonly logStreams: WriteStream[] = [];

  constructor(private readonly options: LocalPipelineOptions) {
    mkdirSync(options.root, { recursive: true });
    const configPath = options.configPath ?? DEFAULT_CONFIG_PATH;
    this.config = parseConfigText(readFileSync(configPath, 'utf-8'), configPath);
    this.bucket = new FolderBucket(options.root);
    // The engine first: a missing Python environment (--engine spark) fails before anything opens.
    this.glue =
      options.engine === 'spark'
        ? new SparkGlueJob(this.bucket, this.config, GLUE_JOB.jobName, { worker: options.sparkWorker })
        : new DuckDbGlueJob(this.bucket, this.config, GLUE_JOB.jobName, { memoryLimit: options.memoryLimit });
    this.store = new ExecutionStore(path.join(options.root, 'executions.sqlite'));
    this.notificationsFile = path.join(this.bucket.dir, 'logs', 'notifications.jsonl');
    // Validating the definition costs ~0.2-0.5 s: build the machine once, run it many times.
    this.definition = loadLocalDefinition();
    this.stateMachine = validatedMachine(this.definition);
    for (const [stateName, state] of Object.entries(this.definition.States)) {
      const retriers = retriersOf(state);
      if (retriers.length === 0) continue;
      this.retryIntervalOverrides[stateName] = retriers.map((retrier) => {
        if (retrier.ErrorEquals.includes(LAMBDA_THROTTLE_ERROR)) return options.throttleRetryMs ?? 1000;
        return stateName === STATE.Transform ? (options.transformRetryMs ?? 500) : 20;
      });
    }
    const logs = path.join(this.bucket.dir, 'logs', 'lambda');
    const obs = (key: LambdaStepKey) => capturedObservability(LAMBDA_STEPS[key].service, logs, this.logStreams);
    const deps = { config: this.config, store: this.bucket };
    // Keyed by the step table: a step added there is a type error here until its handler is.
    const byStep: Record<TaskStepKey, LambdaHandler> = {
      validate: createValidateHandler({ ...deps, obs: obs('validate') }),
      reject: createRejectHandler({ ...deps, obs: obs('reject') }),
      // The fast path's own handler over the folder bucket; its work folder stands in for /tmp.
      transformInLambda: createTransformInLambdaHandler({
        ...deps,
        obs: obs('transformInLambda'),
        workDir: path.join(options.root, 'tmp', 'lambda'),
        memoryLimit: options.memoryLimit,
        onProgress: options.onProgress,
      }),
      describeFailure: createDescribeFailureHandler({ ...deps, obs: obs('describeFailure') }),
      summarize: createSummarizeHandler({ ...deps, obs: obs('summarize') }),
      archive: createArchiveHandler({ ...deps, obs: obs('archive') }),
      redriveGate: createRedriveGateHandler({ obs: obs('redriveGate') }),
    };
    this.handlers = new Map(
      TASK_STEP_KEYS.map((key) => {
        const limit = options.lambdaConcurrency?.[key];
        return [LOCAL_SUBSTITUTIONS[LAMBDA_STEPS[key].aslPlaceholder], limit === undefined ? byStep[key] : withConcurrencyLimit(key, limit, byStep[key])];
      }),
    );
    for (const [stateName, kind] of Object.entries(options.faults ?? {})) {
      const resource = taskStates(this.definition).find(([name]) => name === stateName)?.[1].Resource;
      if (kind === 'oom' && (resource === undefined || !this.handlers.has(resource))) {
        throw new ConfigError(`--fault ${stateName}=oom: only a Lambda Task's function can run out of memory`);
      }
    }
    const starter: ExecutionStarter = { start: (name, input) => Promise.resolve(this.start(name, input)) };
    this.executions = { inputOf: (name) => Promise.resolve(this.store.get(name)?.input) };
    this.trigger = createTriggerHandler({
      config: this.config,
      starter,
      executions: this.executions,
      store: this.bucket,
      obs: obs('trigger'),
      forceGlueJob: options.forceGlueJob,
    });
    // Executions a killed process left RUNNING show as interrupted (ABORTED) and can be redriven.
    this.store.abortOrphans();
  }

  /** Names of the Task states of the definition. */
  get taskStates(): string[] {
    return taskStates(this.definition).map(([name]) => name);
  }

  /** Copies a file into the bucket under `key` (as an upload would). */
  put(file: string, key: string): void {
    const target = this.bucket.pathOf(key);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(file, target);
  }

  /**
   * The S3 `ObjectCreated:Put` event S3 would send for the object now at `key`: the bucket
   * records it as a new version (its bytes kept for the execution) with its ETag.
   */
  async objectCreatedEvent(key: string, eventTime?: Date): Promise<object> {
    const version = await this.bucket.putVersion(key);
    return objectCreatedEvent({
      bucket: this.bucket.name,
      encodedKey: encodeEventKey(key),
      size: version.sizeBytes,
      versionId: version.versionId,
      eTag: version.eTag,
      eventTime,
      // S3's sequencer orders events of one key; the file's modification time plays that part
      // (not ctime, which links and permission changes also move).
      sequencer: Math.round(version.mtimeMs * 1000)
        .toString(16)
        .toUpperCase(),
    });
  }

  /** Delivers an S3 event to the real trigger handler. */
  deliver(event: unknown): Promise<TriggerResult> {
    return this.trigger(event);
  }

  /** Starts an execution unless one of that name exists (Step Functions' name uniqueness). */
  start(name: string, input: object): StartResult {
    const fields = input as { dataset: string | null; key: string };
    if (!this.store.tryCreate(name, { ...fields, ...input })) return 'duplicate';
    this.running.set(name, this.execute(name, input));
    return 'started';
  }

  /** Resolves when the execution has ended (at once for one already ended). */
  async waitFor(name: string): Promise<ExecutionResult> {
    const pending = this.running.get(name);
    if (pending) return pending;
    const record = this.store.get(name);
    if (!record) throw new ExecutionNotFoundError(`no execution named ${name}`);
    return record;
  }

  /** Waits for every execution this process started. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /** The local root folder (absolute or as given). */
  get root(): string {
    return this.options.root;
  }

  /** The engine running the Transform state. */
  get engine(): EngineName {
    return this.glue.engine;
  }

  /** Releases the engine, the history and the log files; resolves when the log files are closed (the root can then be removed). */
  close(): Promise<void> {
    this.glue.close();
    this.store.close();
    return Promise.all(
      this.logStreams.map(
        (stream) =>
          new Promise<void>((resolve) => {
            // A line logged later by an execution still running (the process is ending) is dropped.
            stream.on('error', () => resolve());
            if (stream.closed) return resolve();
            stream.once('close', () => resolve());
            stream.end();
          }),
      ),
    ).then(() => undefined);
  }

  /**
   * Redrives a FAILED or ABORTED execution as Step Functions does: same definition, same
   * execution input; it resumes at the state that failed, with that state's input, and states
   * that succeeded are not run again. Returns the new redrive count.
   */
  redrive(name: string): { redriveCount: number; resumedAt: string } {
    const record = this.store.get(name);
    if (!record) throw new ExecutionNotRedrivableError(`no execution named ${name}`);
    const events = this.store.events(name);
    const failed = failedState(events);
    if (!failed) throw new ExecutionNotRedrivableError(`${name} has no failed state to resume at`);
    const redriveCount = this.store.beginRedrive(name);
    if (redriveCount === undefined) {
      throw new ExecutionNotRedrivableError(`${name} is ${record.status}: only FAILED or ABORTED executions can be redriven`);
    }
    this.store.addEvent(name, { type: 'ExecutionRedriven', timestamp: new Date().toISOString(), state: failed.state, detail: { redriveCount } });
    let machine = this.resumeMachines.get(failed.state);
    if (!machine) {
      machine = validatedMachine({ ...this.definition, StartAt: failed.state });
      this.resumeMachines.set(failed.state, machine);
    }
    this.running.set(name, this.execute(name, record.input as object, { machine, stateInput: failed.input, redriveCount }));
    return { redriveCount, resumedAt: failed.state };
  }

  private async execute(name: string, input: object, resume?: { machine: StateMachine; stateInput: unknown; redriveCount: number }): Promise<ExecutionRecord> {
    const machine = resume?.machine ?? this.stateMachine;
    const execution = machine.run((resume ? resume.stateInput : input) as JsonInput, {
      overrides: { taskResourceLocalHandlers: this.taskHandlers(name), retryIntervalOverrides: this.retryIntervalOverrides },
      context: {
        Execution: {
          Id: `local:${name}`,
          Name: name,
          Input: input as JsonInput,
          StartTime: new Date().toISOString(),
          RedriveCount: resume?.redriveCount ?? 0,
        },
      },
    });
    // The event log carries the failure as Step Functions reports it (Error and Cause).
    let failure: { Error?: string; Cause?: unknown } | undefined;
    const recording = (async () => {
      for await (const event of execution.eventLogs) {
        const { type, timestamp, ...detail } = event as { type: string; timestamp: number; state?: { name: string } };
        if (resume && type === 'ExecutionStarted') continue; // a redrive continues; ExecutionRedriven marks it
        this.store.addEvent(name, { type, timestamp: new Date(timestamp).toISOString(), state: detail.state?.name ?? null, detail });
        if (type === 'StateEntered' && detail.state) this.options.onStateEntered?.(name, detail.state.name);
        if (type === 'ExecutionFailed') failure = detail as typeof failure;
      }
    })();
    try {
      const output = await execution.result;
      await recording;
      this.store.finish(name, { status: 'SUCCEEDED', output });
    } catch (e: unknown) {
      await recording.catch(() => undefined);
      const fallback = e instanceof Error ? e : { name: 'Error', message: String(e) };
      this.store.finish(name, {
        status: 'FAILED',
        error: failure?.Error ?? fallback.name,
        cause: typeof failure?.Cause === 'string' ? failure.Cause : fallback.message,
      });
    } finally {
      this.running.delete(name);
    }
    return this.store.get(name) as ExecutionRecord;
  }

  /** The in-process handler of every Task state, by the state's resource. */
  taskHandlers(executionName: string): LocalHandlers {
    const handlers: LocalHandlers = {};
    for (const [stateName, state] of taskStates(this.definition)) {
      const handler = this.resourceHandler(state.Resource, executionName);
      if (!handler) throw new NoLocalHandlerError(`Task state ${stateName} uses ${state.Resource}, which has no local handler`);
      const fault = this.options.faults?.[stateName];
      handlers[stateName] = (fault ? this.faulty(stateName, state.Resource, fault) : handler) as LocalHandlers[string];
    }
    return handlers;
  }

  private resourceHandler(resource: string, executionName: string): LambdaHandler | undefined {
    const lambda = this.handlers.get(resource);
    if (lambda) return lambda;
    if (resource === 'arn:aws:states:::glue:startJobRun.sync') {
      return (params) => this.runGlueJob(params as { JobName: string; Arguments: JobArguments }, executionName);
    }
    if (resource === 'arn:aws:states:::sns:publish') {
      return async (params) => this.publish(params as SnsPublishParams, executionName);
    }
    return undefined;
  }

  /**
   * A handler that fails as the resource really fails: a Glue job run FAILED, a Lambda error, a
   * timeout, a Lambda function killed by the runtime (the message Lambda reports for it).
   */
  private faulty(stateName: string, resource: string, kind: FaultKind): (input: unknown) => Promise<never> {
    return async () => {
      if (kind === 'timeout') throw new InjectedTimeoutError(`fault injected into ${stateName}: the task timed out`);
      if (kind === 'oom') {
        throw new LambdaRuntimeKilledError(
          'Runtime.OutOfMemory',
          `RequestId: local-fault Error: Runtime exited with error: signal: killed (fault injected into ${stateName})`,
        );
      }
      if (resource === 'arn:aws:states:::glue:startJobRun.sync') {
        throw jobRunFailed('jr_local_fault', GLUE_JOB.jobName, `FaultInjectedError: fault injected into ${stateName}`);
      }
      throw new FaultInjectedError(`fault injected into ${stateName}`);
    };
  }

  /**
   * Starts a job run as Glue does with job run queuing: beyond `maxConcurrentRuns` the run waits
   * for a free slot (in order), for up to `glueQueueMs`; only then does it fail with
   * Glue.ConcurrentRunsExceededException and the ASL's Retry takes over. On AWS that Retry's
   * backoff lasts minutes; locally its waits are short, so without the queue, queued files would
   * fail within seconds.
   */
  private async runGlueJob(params: { JobName: string; Arguments: JobArguments }, executionName: string): Promise<unknown> {
    const limit = this.options.maxConcurrentRuns ?? 2;
    if (!(await this.acquireGlueSlot(limit, this.options.glueQueueMs ?? DEFAULT_GLUE_QUEUE_MS))) {
      throw new ConcurrentRunsExceededError(`Concurrent runs exceeded for ${params.JobName}: ${this.glueRuns} running, max ${limit}`);
    }
    try {
      const onProgress = this.options.onProgress;
      return await this.glue.run(params.Arguments, onProgress && ((progress) => onProgress(executionName, progress)));
    } finally {
      // The slot goes straight to the first waiter, if any.
      this.glueRuns -= 1;
      this.glueWaiters.shift()?.();
    }
  }

  /** Takes a run slot: at once when one is free and nobody waits, else in arrival order within `timeoutMs`. */
  private acquireGlueSlot(limit: number, timeoutMs: number): Promise<boolean> {
    if (this.glueRuns < limit && this.glueWaiters.length === 0) {
      this.glueRuns += 1;
      return Promise.resolve(true);
    }
    if (timeoutMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const take = (): void => {
        clearTimeout(timer);
        this.glueRuns += 1;
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.glueWaiters.splice(this.glueWaiters.indexOf(take), 1);
        resolve(false);
      }, timeoutMs);
      this.glueWaiters.push(take);
    });
  }

  private publish(params: SnsPublishParams, executionName: string): { MessageId: string } {
    const topic = params.TopicArn.slice(params.TopicArn.lastIndexOf(':') + 1);
    const notification: LocalNotification = {
      timestamp: new Date().toISOString(),
      topic,
      subject: params.Subject ?? null,
      message: params.Message,
      attributes: Object.fromEntries(Object.entries(params.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue])),
      executionName,
    };
    appendFileSync(this.notificationsFile, `${JSON.stringify(notification)}\n`);
    this.options.onNotification?.(notification);
    return { MessageId: `local-${Date.now().toString(36)}` };
  }
}

/**
 * The machines validated in this process, by their definition's text. A machine holds no
 * execution's state (each run gets its handlers and context), so pipelines share them: a
 * process that opens many local roots (a test suite) validates the definition once.
 */
const validatedMachines = new Map<string, StateMachine>();

function validatedMachine(definition: StateMachineDefinition): StateMachine {
  const text = JSON.stringify(definition);
  let machine = validatedMachines.get(text);
  if (!machine) {
    machine = new StateMachine(definition);
    validatedMachines.set(text, machine);
  }
  return machine;
}

/**
 * The state a redrive resumes at: the last state entered and not exited (it failed, or the
 * process died inside it), with the input it was entered with.
 */
export function failedState(events: readonly { type: string; state: string | null; detail: unknown }[]): { state: string; input: unknown } | undefined {
  const open = new Map<string, unknown>();
  let last: string | undefined;
  for (const event of events) {
    if (!event.state) continue;
    const detail = event.detail as { state?: { input?: unknown } } | null;
    if (event.type === 'StateEntered') {
      open.set(event.state, detail?.state?.input);
      last = event.state;
    } else if (event.type === 'StateExited') {
      open.delete(event.state);
    }
  }
  return last !== undefined && open.has(last) ? { state: last, input: open.get(last) } : undefined;
}

/** A handler called in-process with its Task's input. */
type LambdaHandler = (input: unknown) => Promise<unknown>;

/** The error Lambda throttles an invocation with; the ASL retries it in a Retrier of its own. */
const LAMBDA_THROTTLE_ERROR = 'Lambda.TooManyRequestsException';

/**
 * The function `key` with at most `limit` invocations running at once, as Lambda's reserved
 * concurrency: one more is refused at once with Lambda.TooManyRequestsException (Lambda does not
 * queue a synchronous invocation), with Lambda's message.
 */
function withConcurrencyLimit(key: TaskStepKey, limit: number, handler: LambdaHandler): LambdaHandler {
  let running = 0;
  return async (input) => {
    if (running >= limit) throw new TooManyRequestsError(`Rate Exceeded. (${LAMBDA_STEPS[key].functionName}: ${running} running, concurrency ${limit})`);
    running += 1;
    try {
      return await handler(input);
    } finally {
      running -= 1;
    }
  };
}

interface SnsPublishParams {
  readonly TopicArn: string;
  readonly Subject?: string;
  readonly Message: string;
  readonly MessageAttributes?: Record<string, { DataType: string; StringValue: string }>;
}
