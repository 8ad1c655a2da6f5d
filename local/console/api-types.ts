/**
 * The JSON the console server answers with, shared by the server and the page (types only, so
 * the page's bundle carries none of the server's code).
 */
import type { RunResult } from '../shared/run-result';
import type { ExecutionRecord, ExecutionStatus } from '../runtime/execution-store';
import type { LocalNotification } from '../runtime/local-pipeline';

/** Every error answer: `{ "error": { "name": …, "message": … } }` with a 4xx or 5xx status. */
export interface ApiError {
  readonly error: { readonly name: string; readonly message: string };
}

/** How an edge of the graph is taken. */
export type EdgeKind = 'start' | 'next' | 'choice' | 'default' | 'catch' | 'retry';

/** A point of the laid-out graph, in SVG user units. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A state of the ASL, placed by the layout (x, y: its centre). */
export interface GraphNode {
  readonly id: string;
  /** The ASL `Type` (Task, Choice, Pass, Succeed, Fail), or `Start` for the entry marker. */
  readonly type: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly comment: string | null;
}

/** A transition of the ASL: Next, a Choice rule or its Default, a Catch, or a Retry (a self-loop). */
export interface GraphEdge {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** Short text drawn on the edge. */
  readonly label: string | null;
  /** The whole rule, catcher or retrier, as a tooltip. */
  readonly detail: string | null;
  readonly points: readonly Point[];
  /** Where the label goes. */
  readonly labelAt: Point | null;
}

/** The state machine laid out: `GET /api/graph`. */
export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/** The console's settings: `GET /api/config`. */
export interface ConsoleConfig {
  readonly root: string;
  readonly datasets: readonly string[];
  readonly maxUploadBytes: number;
  /** The file name extensions an upload may have (core/naming.ts DATA_FILE_SUFFIXES). */
  readonly uploadSuffixes: readonly string[];
}

/** One row of the execution list: `GET /api/executions?status=&q=&limit=`. */
export interface ExecutionSummary {
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly dataset: string | null;
  readonly inputKey: string;
  readonly startDate: string;
  readonly stopDate: string | null;
  readonly error: string | null;
  readonly redriveCount: number;
  /** SUCCESS, WARNING or FAILURE, from the last notification the execution sent. */
  readonly outcome: string | null;
}

/** How a state fared, the latest time it ran. */
export type StateRunStatus = 'running' | 'succeeded' | 'retried' | 'caught' | 'failed';

/** A state error as Step Functions reports it. */
export interface StateError {
  readonly error: string;
  readonly cause: string | null;
}

/** One pass through a state. */
export interface StateVisit {
  /** 0 for the first run, n for the n-th redrive. */
  readonly attempt: number;
  readonly enteredAt: string;
  readonly exitedAt: string | null;
  readonly input: unknown;
  readonly output: unknown;
  /** The last error raised in the state on this pass (also when retried or caught). */
  readonly error: StateError | null;
  readonly retries: number;
  readonly caughtBy: string | null;
  readonly status: StateRunStatus;
}

/** Every pass through one state. */
export interface StateRun {
  readonly name: string;
  /** The status of the latest visit. */
  readonly status: StateRunStatus;
  /** It failed, uncaught, on an earlier attempt (before a redrive). */
  readonly failedBefore: boolean;
  /** It failed and a Catch took over, on an earlier attempt. */
  readonly caughtBefore: boolean;
  /** A redrive resumed here. */
  readonly redrivenHere: boolean;
  readonly visits: readonly StateVisit[];
}

/** A transition the execution took. */
export interface PathStep {
  readonly from: string;
  readonly to: string;
  readonly via: 'start' | 'next' | 'catch';
  readonly attempt: number;
}

/** The path of one execution over the graph. */
export interface ExecutionPath {
  readonly states: Readonly<Record<string, StateRun>>;
  readonly steps: readonly PathStep[];
  /** The state the execution is in (RUNNING) or stopped in (FAILED, ABORTED). */
  readonly current: string | null;
}

/** One event of the timeline, without the state's input and output (they are in the path). */
export interface TimelineEvent {
  readonly seq: number;
  readonly type: string;
  readonly timestamp: string;
  readonly state: string | null;
  readonly error: StateError | null;
  readonly note: string | null;
}

/** A file of the bucket that belongs to the execution. */
export interface FileLink {
  readonly key: string;
  /** What it is: input, run report, rejected rows, output, current state. */
  readonly role: string;
  readonly sizeBytes: number;
}

/** One execution in full: `GET /api/executions/:name`. */
export interface ExecutionDetail {
  readonly execution: ExecutionRecord;
  readonly outcome: RunResult | null;
  readonly path: ExecutionPath;
  readonly timeline: readonly TimelineEvent[];
  readonly notifications: readonly LocalNotification[];
  readonly files: readonly FileLink[];
}

/** `POST /api/executions/:name/redrive`. */
export interface RedriveAnswer {
  readonly name: string;
  readonly redriveCount: number;
  readonly resumedAt: string;
}

/** `POST /api/uploads?name=…&dataset=…` (the body is the file). */
export interface UploadAnswer {
  readonly key: string;
  /** Executions the upload started (or that already existed for that object version). */
  readonly executions: readonly string[];
}

/** Pushed on `GET /api/stream` (event `executions`) when the history changed. */
export interface ChangeNotice {
  /** Names of the executions whose status or events changed. */
  readonly changed: readonly string[];
}
