/**
 * Reads an execution's event history (the interpreter's events, as the store keeps them) into
 * what the console draws: how each state fared, the transitions taken, and a compact timeline.
 */
import type { ExecutionEvent, ExecutionStatus } from '../runtime/execution-store';
import type { ExecutionPath, PathStep, StateError, StateRun, StateRunStatus, StateVisit, TimelineEvent } from './api-types';
import { START_NODE } from './graph-layout';

interface EventDetail {
  readonly state?: { readonly input?: unknown; readonly output?: unknown };
  readonly Error?: string;
  readonly Cause?: unknown;
  readonly retry?: { readonly attempt?: number };
  readonly catch?: { readonly catcher?: { readonly Next?: string } };
  readonly redriveCount?: number;
  readonly reason?: string;
}

interface OpenVisit {
  attempt: number;
  enteredAt: string;
  exitedAt: string | null;
  input: unknown;
  output: unknown;
  error: StateError | null;
  retries: number;
  caughtBy: string | null;
  status: StateRunStatus;
}

/** The path of an execution: every visit of every state, and the transitions in order. */
export function executionPath(events: readonly ExecutionEvent[], status: ExecutionStatus): ExecutionPath {
  const visits = new Map<string, OpenVisit[]>();
  const redrivenAt = new Set<string>();
  const steps: PathStep[] = [];
  let attempt = 0;
  let previous: string | null = START_NODE;
  let caughtIn: string | null = null;
  let current: string | null = null;

  const lastVisit = (state: string): OpenVisit | undefined => visits.get(state)?.at(-1);
  for (const event of events) {
    const detail = (event.detail ?? {}) as EventDetail;
    const state = event.state;
    switch (event.type) {
      case 'ExecutionRedriven':
        attempt += 1;
        previous = null;
        if (state) redrivenAt.add(state);
        break;
      case 'StateEntered': {
        if (!state) break;
        if (previous !== null)
          steps.push({ from: previous, to: state, via: previous === START_NODE ? 'start' : previous === caughtIn ? 'catch' : 'next', attempt });
        visits.set(state, [
          ...(visits.get(state) ?? []),
          {
            attempt,
            enteredAt: event.timestamp,
            exitedAt: null,
            input: detail.state?.input ?? null,
            output: null,
            error: null,
            retries: 0,
            caughtBy: null,
            status: 'running',
          },
        ]);
        previous = state;
        caughtIn = null;
        current = state;
        break;
      }
      case 'StateFailed': {
        const visit = state ? lastVisit(state) : undefined;
        if (!visit) break;
        visit.error = errorOf(detail);
        visit.status = 'failed';
        break;
      }
      case 'StateRetried': {
        const visit = state ? lastVisit(state) : undefined;
        if (!visit) break;
        visit.retries += 1;
        visit.status = 'running';
        break;
      }
      case 'StateCaught': {
        const visit = state ? lastVisit(state) : undefined;
        if (!visit) break;
        visit.status = 'caught';
        visit.caughtBy = detail.catch?.catcher?.Next ?? null;
        caughtIn = state;
        break;
      }
      case 'StateExited': {
        const visit = state ? lastVisit(state) : undefined;
        if (!visit) break;
        visit.exitedAt = event.timestamp;
        visit.output = detail.state?.output ?? null;
        if (visit.status !== 'caught') visit.status = visit.retries > 0 ? 'retried' : 'succeeded';
        if (current === state) current = null;
        break;
      }
      default:
        break;
    }
  }

  const states: Record<string, StateRun> = {};
  for (const [name, list] of visits) {
    const latest = list[list.length - 1];
    // A state left open by an execution that has ended is where it stopped (failed, or killed).
    if (latest.status === 'running' && status !== 'RUNNING') latest.status = 'failed';
    states[name] = {
      name,
      status: latest.status,
      failedBefore: list.slice(0, -1).some((v) => v.status === 'failed'),
      caughtBefore: list.slice(0, -1).some((v) => v.status === 'caught'),
      redrivenHere: redrivenAt.has(name),
      visits: list.map((v): StateVisit => ({ ...v })),
    };
  }
  const stoppedIn = status === 'SUCCEEDED' ? null : (current ?? lastFailed(states));
  return { states, steps, current: stoppedIn };
}

/** The events for a timeline: the state's input and output left out (the path has them). */
export function timelineOf(events: readonly ExecutionEvent[]): TimelineEvent[] {
  return events.map((event) => {
    const detail = (event.detail ?? {}) as EventDetail;
    return {
      seq: event.seq,
      type: event.type,
      timestamp: event.timestamp,
      state: event.state,
      error: event.type === 'StateFailed' || event.type === 'ExecutionFailed' ? errorOf(detail) : null,
      note: noteOf(event.type, detail, event.state),
    };
  });
}

function noteOf(type: string, detail: EventDetail, state: string | null): string | null {
  switch (type) {
    case 'StateRetried':
      return `retry ${detail.retry?.attempt ?? '?'}`;
    case 'StateCaught':
      return detail.catch?.catcher?.Next ? `caught → ${detail.catch.catcher.Next}` : 'caught';
    case 'ExecutionRedriven':
      return `${state ? `resumes at ${state} ` : ''}(redrive ${detail.redriveCount ?? '?'})`;
    case 'ExecutionAborted':
      return detail.reason ?? null;
    default:
      return null;
  }
}

function errorOf(detail: EventDetail): StateError | null {
  if (!detail.Error) return null;
  return { error: detail.Error, cause: detail.Cause === undefined || detail.Cause === null ? null : String(detail.Cause) };
}

function lastFailed(states: Readonly<Record<string, StateRun>>): string | null {
  let found: { name: string; at: string } | null = null;
  for (const run of Object.values(states)) {
    const visit = run.visits[run.visits.length - 1];
    if (run.status === 'failed' && (!found || visit.enteredAt >= found.at)) found = { name: run.name, at: visit.enteredAt };
  }
  return found?.name ?? null;
}
