/**
 * On a terminal, one status line on stderr showing each running file's state and, while a
 * transform runs, what it is doing (reading the input: bytes read; writing Parquet; a Spark stage:
 * rows read), redrawn every second. Nothing when stderr is not a terminal (`ETL_PROGRESS=1`
 * forces it, `ETL_PROGRESS=0` turns it off); stdout (the result lines, `--json`) is never touched.
 */
import type { TransformProgress } from '../../core/run-report';

/** How often the line is redrawn (the elapsed time moves even when the engine says nothing new). */
const REDRAW_MS = 1000;

/** What one running execution is doing. */
interface Stage {
  readonly state: string;
  readonly since: number;
  readonly progress?: TransformProgress;
}

/** Whether the line is shown: on a terminal (not in CI), unless `ETL_PROGRESS` says otherwise. */
export function progressEnabled(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.ETL_PROGRESS === '1') return true;
  if (env.ETL_PROGRESS === '0') return false;
  return Boolean(stream.isTTY) && !env.CI;
}

/** Tracks and redraws the stage of running executions on stderr (no-op when not enabled). */
export class StageProgress {
  private readonly stages = new Map<string, Stage>();
  private readonly enabled: boolean;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    enabled: boolean = progressEnabled(stream),
  ) {
    this.enabled = enabled;
  }

  /** The local pipeline's callbacks that feed the line (`onStateEntered`, `onProgress`). */
  hooks(): {
    onStateEntered: (executionName: string, state: string) => void;
    onProgress: (executionName: string, progress: TransformProgress) => void;
  } {
    return { onStateEntered: (name, state) => this.entered(name, state), onProgress: (name, progress) => this.progressed(name, progress) };
  }

  /** `io` whose lines clear the status line first (it is redrawn at the next tick). */
  around<T extends { readonly out: (line: string) => void; readonly err: (line: string) => void }>(io: T): T {
    return {
      ...io,
      out: (line: string) => {
        this.clear();
        io.out(line);
      },
      err: (line: string) => {
        this.clear();
        io.err(line);
      },
    };
  }

  /** Records that an execution entered a state. */
  entered(executionName: string, state: string): void {
    if (!this.enabled) return;
    this.stages.set(executionName, { state, since: Date.now() });
    this.draw();
    this.timer ??= setInterval(() => this.draw(), REDRAW_MS).unref();
  }

  /** Records what the execution's transform is doing (shown at the next redraw). */
  progressed(executionName: string, progress: TransformProgress): void {
    const stage = this.stages.get(executionName);
    if (stage) this.stages.set(executionName, { ...stage, progress });
  }

  /** Forgets an execution and clears the line before a result is printed. */
  done(executionName: string): void {
    this.stages.delete(executionName);
    this.clear();
  }

  /** Clears the status line (and stops redrawing it when nothing runs). */
  clear(): void {
    if (!this.enabled) return;
    this.stream.write('\r\x1b[2K');
    if (this.stages.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private draw(): void {
    if (this.stages.size === 0) return;
    const now = Date.now();
    const text = [...this.stages].map(([name, stage]) => `${name.slice(0, 40)}: ${describeStage(stage, now)}`).join('  ');
    const width = this.stream.columns ?? 120;
    this.stream.write(`\r\x1b[2K${text.slice(0, width - 1)}`);
  }
}

/** `Transform · reading the input 57% (107.0 MB of 187.0 MB) · 12s…` */
export function describeStage(stage: Stage, now: number): string {
  const parts = [stage.state];
  const p = stage.progress;
  if (p) {
    // 0% is also what DuckDB says of a statement it cannot measure (a sort, a window): not shown.
    const percent = p.percent === null || p.percent <= 0 ? '' : ` ${Math.floor(p.percent)}%`;
    const bytes = p.bytesRead === undefined ? '' : ` (${megabytes(p.bytesRead)}${p.bytesTotal === undefined ? '' : ` of ${megabytes(p.bytesTotal)}`})`;
    const rows = p.rowsRead === undefined ? '' : ` (${p.rowsRead.toLocaleString('en-US')} rows read)`;
    parts.push(`${p.phase}${percent}${bytes}${rows}`);
  }
  parts.push(`${Math.round((now - stage.since) / 1000)}s…`);
  return parts.join(' · ');
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
