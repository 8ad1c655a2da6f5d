/**
 * The embedded execution history: every local execution and its state events, in SQLite
 * (`<root>/executions.sqlite`), so `etl executions list|show` work across processes and runs.
 */
import Database from 'better-sqlite3';

/** Execution statuses, as Step Functions names them. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/** One execution as stored. */
export interface ExecutionRecord {
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly dataset: string | null;
  readonly inputKey: string;
  readonly input: unknown;
  readonly output: unknown;
  readonly error: string | null;
  readonly cause: string | null;
  readonly startDate: string;
  readonly stopDate: string | null;
  /** How many times the execution was redriven. */
  readonly redriveCount: number;
}

/** One event of an execution's history (the local interpreter's event log). */
export interface ExecutionEvent {
  readonly seq: number;
  readonly type: string;
  readonly timestamp: string;
  readonly state: string | null;
  readonly detail: unknown;
}

interface ExecutionRow {
  name: string;
  status: ExecutionStatus;
  dataset: string | null;
  input_key: string;
  input: string;
  output: string | null;
  error: string | null;
  cause: string | null;
  start_date: string;
  stop_date: string | null;
  redrive_count: number;
  owner_pid: number | null;
}

/** SQLite-backed store of executions and events. */
export class ExecutionStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    // WAL lets `etl executions list` read while `etl watch` writes.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS executions (
        name TEXT PRIMARY KEY, status TEXT NOT NULL, dataset TEXT, input_key TEXT NOT NULL,
        input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT, start_date TEXT NOT NULL, stop_date TEXT,
        redrive_count INTEGER NOT NULL DEFAULT 0, owner_pid INTEGER);
      CREATE INDEX IF NOT EXISTS executions_by_start ON executions (start_date);
      CREATE TABLE IF NOT EXISTS events (
        execution TEXT NOT NULL REFERENCES executions (name), seq INTEGER NOT NULL, type TEXT NOT NULL,
        timestamp TEXT NOT NULL, state TEXT, detail TEXT, PRIMARY KEY (execution, seq));`);
  }

  /** Records a new RUNNING execution; `false` when the name is taken (a duplicate start). */
  tryCreate(name: string, input: { dataset: string | null; key: string }): boolean {
    const inserted = this.db
      .prepare(`INSERT OR IGNORE INTO executions (name, status, dataset, input_key, input, start_date, owner_pid) VALUES (?, 'RUNNING', ?, ?, ?, ?, ?)`)
      .run(name, input.dataset, input.key, JSON.stringify(input), new Date().toISOString(), process.pid);
    return inserted.changes === 1;
  }

  /**
   * Marks an ended, unsuccessful execution RUNNING again for a redrive and returns its new
   * redrive count; `undefined` when it is not redrivable (running, succeeded or unknown).
   */
  beginRedrive(name: string): number | undefined {
    const updated = this.db
      .prepare(
        `UPDATE executions SET status = 'RUNNING', redrive_count = redrive_count + 1, stop_date = NULL, owner_pid = ?
         WHERE name = ? AND status IN ('FAILED', 'ABORTED') RETURNING redrive_count`,
      )
      .get(process.pid, name) as { redrive_count: number } | undefined;
    return updated?.redrive_count;
  }

  /**
   * Executions left RUNNING by a process that no longer exists (killed, crashed) become ABORTED
   * with ExecutionInterruptedError, so they show as interrupted and can be redriven.
   */
  abortOrphans(isAlive: (pid: number) => boolean = processIsAlive): string[] {
    const orphans = (this.db.prepare(`SELECT name, owner_pid FROM executions WHERE status = 'RUNNING'`).all() as { name: string; owner_pid: number | null }[])
      .filter((row) => row.owner_pid === null || (row.owner_pid !== process.pid && !isAlive(row.owner_pid)))
      .map((row) => row.name);
    for (const name of orphans) {
      this.addEvent(name, { type: 'ExecutionAborted', timestamp: new Date().toISOString(), state: null, detail: { reason: 'the process running it ended' } });
      this.finish(name, {
        status: 'ABORTED',
        error: 'ExecutionInterruptedError',
        cause: 'the local process running this execution ended before it did; redrive it to resume',
      });
    }
    return orphans;
  }

  /** Appends an event to the execution's history. */
  addEvent(name: string, event: Omit<ExecutionEvent, 'seq'>): void {
    this.db
      .prepare(
        `INSERT INTO events (execution, seq, type, timestamp, state, detail)
         VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM events WHERE execution = ?), ?, ?, ?, ?)`,
      )
      .run(name, name, event.type, event.timestamp, event.state, JSON.stringify(event.detail ?? null));
  }

  /** Marks the execution ended. */
  finish(name: string, result: { status: Exclude<ExecutionStatus, 'RUNNING'>; output?: unknown; error?: string; cause?: string }): void {
    this.db
      .prepare(`UPDATE executions SET status = ?, output = ?, error = ?, cause = ?, stop_date = ? WHERE name = ?`)
      .run(result.status, JSON.stringify(result.output ?? null), result.error ?? null, result.cause ?? null, new Date().toISOString(), name);
  }

  /** One execution, or `undefined`. */
  get(name: string): ExecutionRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM executions WHERE name = ?`).get(name) as ExecutionRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Executions, newest first, optionally of one status. */
  list(filter: { status?: ExecutionStatus; limit?: number } = {}): ExecutionRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM executions WHERE (? IS NULL OR status = ?) ORDER BY start_date DESC, name LIMIT ?`)
      .all(filter.status ?? null, filter.status ?? null, filter.limit ?? 1000) as ExecutionRow[];
    return rows.map(toRecord);
  }

  /** The execution's events in order. */
  events(name: string): ExecutionEvent[] {
    const rows = this.db.prepare(`SELECT seq, type, timestamp, state, detail FROM events WHERE execution = ? ORDER BY seq`).all(name) as {
      seq: number;
      type: string;
      timestamp: string;
      state: string | null;
      detail: string | null;
    }[];
    return rows.map((r) => ({ ...r, detail: r.detail ? JSON.parse(r.detail) : null }));
  }

  close(): void {
    this.db.close();
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    // EPERM: it exists but belongs to someone else.
    return (e as { code?: string }).code === 'EPERM';
  }
}

function toRecord(row: ExecutionRow): ExecutionRecord {
  return {
    name: row.name,
    status: row.status,
    dataset: row.dataset,
    inputKey: row.input_key,
    input: JSON.parse(row.input),
    output: row.output ? JSON.parse(row.output) : null,
    error: row.error,
    cause: row.cause,
    startDate: row.start_date,
    stopDate: row.stop_date,
    redriveCount: row.redrive_count,
  };
}
