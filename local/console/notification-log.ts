/**
 * The local SNS stand-in's log (`<root>/bucket/logs/notifications.jsonl`), read incrementally:
 * each refresh reads only the lines appended since the last one, by this process or another.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

import type { LocalNotification } from '../runtime/local-pipeline';

/** Notifications by execution name. */
export class NotificationLog {
  private offset = 0;
  private pending: Buffer = Buffer.alloc(0);
  private byExecution = new Map<string, LocalNotification[]>();

  constructor(private readonly file: string) {}

  /** The notifications an execution sent, oldest first. */
  of(executionName: string): readonly LocalNotification[] {
    this.refresh();
    return this.byExecution.get(executionName) ?? [];
  }

  /** SUCCESS, WARNING or FAILURE: the `status` attribute of the execution's last notification. */
  outcomeOf(executionName: string): string | null {
    const sent = this.byExecution.get(executionName);
    return sent?.[sent.length - 1]?.attributes.status ?? null;
  }

  /** Reads what was appended since the last call. */
  refresh(): void {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return; // nothing published yet
    }
    if (size < this.offset) this.reset(); // truncated or replaced: read it again
    if (size === this.offset) return;
    const chunk = Buffer.alloc(size - this.offset);
    const fd = openSync(this.file, 'r');
    try {
      readSync(fd, chunk, 0, chunk.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const data = Buffer.concat([this.pending, chunk]);
    // Only whole lines: a line being written (or a UTF-8 character cut in two) waits for the next read.
    const end = data.lastIndexOf(0x0a);
    this.pending = data.subarray(end + 1);
    if (end < 0) return;
    for (const line of data.subarray(0, end).toString('utf-8').split('\n')) {
      const notification = parse(line);
      if (!notification) continue;
      this.byExecution.set(notification.executionName, [...(this.byExecution.get(notification.executionName) ?? []), notification]);
    }
  }

  private reset(): void {
    this.offset = 0;
    this.pending = Buffer.alloc(0);
    this.byExecution = new Map();
  }
}

function parse(line: string): LocalNotification | undefined {
  if (line.trim() === '') return undefined;
  try {
    const value = JSON.parse(line) as Partial<LocalNotification>;
    return typeof value.executionName === 'string' && typeof value.topic === 'string' ? (value as LocalNotification) : undefined;
  } catch {
    return undefined; // a line that is not JSON is not a notification
  }
}
