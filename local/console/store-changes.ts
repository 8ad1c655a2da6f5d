/**
 * Change detection on the SQLite history, for live updates: `etl watch` (another process) and
 * this server's own pipeline write through other connections, and SQLite's `data_version` on a
 * connection of our own moves exactly when one of them commits. Only then is the list compared.
 */
import Database from 'better-sqlite3';

import type { ExecutionStore } from '../runtime/execution-store';
import type { ChangeNotice } from './api-types';

/** Polls the history while someone listens and tells listeners which executions changed. */
export class StoreChanges {
  private readonly db: Database.Database;
  private readonly listeners = new Set<(notice: ChangeNotice) => void>();
  private timer: NodeJS.Timeout | undefined;
  private version: number | undefined;
  private signatures = new Map<string, string>();

  constructor(
    private readonly store: ExecutionStore,
    file: string,
    private readonly pollMs: number,
  ) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 5000');
  }

  /** Starts listening; returns the function that stops. */
  subscribe(listener: (notice: ChangeNotice) => void): () => void {
    if (this.listeners.size === 0) {
      this.version = this.dataVersion();
      this.signatures = this.snapshot();
      this.timer = setInterval(() => this.poll(), this.pollMs);
      this.timer.unref();
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) clearInterval(this.timer);
    };
  }

  close(): void {
    clearInterval(this.timer);
    this.listeners.clear();
    this.db.close();
  }

  /** Compares the history with the last look (exposed for tests; the timer calls it). */
  poll(): void {
    const version = this.dataVersion();
    if (version === this.version) return;
    this.version = version;
    const next = this.snapshot();
    const changed = [...next].filter(([name, signature]) => this.signatures.get(name) !== signature).map(([name]) => name);
    this.signatures = next;
    if (changed.length === 0) return;
    for (const listener of this.listeners) listener({ changed });
  }

  private dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** What identifies an execution's state: its status and, while it runs, how many events it has. */
  private snapshot(): Map<string, string> {
    const signatures = new Map<string, string>();
    for (const r of this.store.list({ limit: 1000 })) {
      const progress = r.status === 'RUNNING' ? this.store.events(r.name).length : '';
      signatures.set(r.name, `${r.status}|${r.redriveCount}|${r.stopDate ?? ''}|${progress}`);
    }
    return signatures;
  }
}
