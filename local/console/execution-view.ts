/**
 * What the console shows of the history: the execution list, and one execution in full (its
 * path, timeline, notifications and the files it wrote), built from the store and the bucket.
 */
import { readFileSync, statSync } from 'node:fs';

import { runResult } from '../shared/run-result';
import type { ExecutionRecord, ExecutionStatus } from '../runtime/execution-store';
import type { FolderBucket } from '../runtime/folder-bucket';
import type { LocalPipeline } from '../runtime/local-pipeline';
import type { ExecutionDetail, ExecutionSummary, FileLink } from './api-types';
import { executionPath, timelineOf } from './execution-path';
import type { NotificationLog } from './notification-log';

/** Filters of the execution list. */
export interface ListFilter {
  readonly status?: ExecutionStatus;
  /** Matched, case-insensitively, against the input key, the dataset and the execution name. */
  readonly search?: string;
  readonly limit?: number;
}

/** Executions, newest first. */
export function executionSummaries(pipeline: LocalPipeline, notifications: NotificationLog, filter: ListFilter = {}): ExecutionSummary[] {
  notifications.refresh();
  const search = filter.search?.trim().toLowerCase() ?? '';
  const limit = filter.limit ?? 200;
  // The search is applied here, so the store's limit must not cut matches away first.
  const records = pipeline.store.list({ status: filter.status, limit: search ? 100_000 : limit });
  return records
    .filter((r) => !search || [r.inputKey, r.dataset ?? '', r.name].some((field) => field.toLowerCase().includes(search)))
    .slice(0, limit)
    .map((r) => ({
      name: r.name,
      status: r.status,
      dataset: r.dataset,
      inputKey: r.inputKey,
      startDate: r.startDate,
      stopDate: r.stopDate,
      error: r.error,
      redriveCount: r.redriveCount,
      outcome: notifications.outcomeOf(r.name),
    }));
}

/** One execution in full, or `undefined` when there is none of that name. */
export function executionDetail(pipeline: LocalPipeline, notifications: NotificationLog, name: string): ExecutionDetail | undefined {
  const execution = pipeline.store.get(name);
  if (!execution) return undefined;
  const events = pipeline.store.events(name);
  return {
    execution,
    outcome: execution.status === 'RUNNING' ? null : runResult(execution, events),
    path: executionPath(events, execution.status),
    timeline: timelineOf(events),
    notifications: notifications.of(name),
    files: filesOf(pipeline.bucket, execution),
  };
}

interface ExecutionInput {
  readonly key?: string;
  readonly archivedKey?: string;
  readonly rejectedKey?: string;
  readonly reportKey?: string;
}

interface RunReport {
  readonly outputFiles?: readonly string[];
  readonly rejectsKey?: string | null;
  readonly latestFiles?: readonly string[];
}

/** The bucket files of an execution that exist now: its input, run report, rejected rows, outputs. */
export function filesOf(bucket: FolderBucket, execution: ExecutionRecord): FileLink[] {
  const input = (execution.input ?? {}) as ExecutionInput;
  const links: FileLink[] = [];
  const add = (key: string | null | undefined, role: string): void => {
    if (!key || links.some((l) => l.key === key)) return;
    const size = sizeOf(bucket, key);
    if (size !== undefined) links.push({ key, role, sizeBytes: size });
  };
  add(input.key, 'input');
  add(input.archivedKey, 'input, archived');
  add(input.rejectedKey, 'input, rejected');
  const report = input.reportKey ? readReport(bucket, input.reportKey) : undefined;
  add(input.reportKey, 'run report');
  if (!report) return links;
  add(report.rejectsKey, 'rejected rows');
  for (const key of report.outputFiles ?? []) add(key, 'output');
  // The dataset's state as this run published it (while that version is kept).
  for (const key of report.latestFiles ?? []) add(key, 'current state');
  return links;
}

function sizeOf(bucket: FolderBucket, key: string): number | undefined {
  try {
    const info = statSync(bucket.pathOf(key));
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined; // gone, or not a key of this bucket
  }
}

function readReport(bucket: FolderBucket, key: string): RunReport | undefined {
  try {
    return JSON.parse(readFileSync(bucket.pathOf(key), 'utf-8')) as RunReport;
  } catch {
    return undefined; // not written (the job did not run) or unreadable
  }
}
