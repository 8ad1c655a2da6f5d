/// <reference lib="dom" />
/**
 * One execution: its summary and error, the Redrive action, and tabs for the timeline, the
 * selected state's input, output and error, the notification it sent and the files it wrote.
 */
import type { ExecutionDetail, RedriveAnswer, StateVisit } from '../api-types';
import { ApiRequestError, call, enc } from './api';
import { type Child, fill, h } from './dom';
import { baseName, bytes, clock, duration, json, offset } from './format';

type Tab = 'timeline' | 'state' | 'notification' | 'files';

const TABS: readonly { readonly id: Tab; readonly label: string }[] = [
  { id: 'timeline', label: 'Timeline' },
  { id: 'state', label: 'State' },
  { id: 'notification', label: 'Notification' },
  { id: 'files', label: 'Files' },
];

/** The detail panel. */
export class ExecutionDetailView {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private detail: ExecutionDetail | null = null;
  private tab: Tab = 'timeline';
  private state: string | null = null;
  private message: { readonly kind: 'error' | 'info'; readonly text: string } | null = null;
  private busy = false;

  constructor(private readonly onStateSelected: (state: string | null) => void) {
    this.body = h('div', { class: 'detail-body' });
    this.element = h('section', { class: 'panel detail-panel', 'aria-label': 'execution' }, this.body);
    this.render();
  }

  /** Shows an execution (or none); keeps the tab, and the state when it is still in the path. */
  show(detail: ExecutionDetail | null, options: { readonly fresh: boolean }): void {
    if (options.fresh) {
      this.message = null;
      this.state = null;
    }
    this.detail = detail;
    if (detail && (!this.state || !detail.path.states[this.state])) this.state = defaultState(detail);
    this.onStateSelected(this.state);
    this.render();
  }

  /** Shows a state's input, output and error. */
  showState(state: string): void {
    this.state = state;
    this.tab = 'state';
    this.onStateSelected(state);
    this.render();
  }

  /** A message above the tabs. */
  notify(kind: 'error' | 'info', text: string): void {
    this.message = { kind, text };
    this.render();
  }

  private async redrive(name: string): Promise<void> {
    this.busy = true;
    this.message = null;
    this.render();
    try {
      const answer = await call<RedriveAnswer>(`/api/executions/${enc(name)}/redrive`, { method: 'POST' });
      this.message = { kind: 'info', text: `Redrive ${answer.redriveCount} started: resuming at ${answer.resumedAt}.` };
    } catch (e: unknown) {
      this.message = { kind: 'error', text: e instanceof ApiRequestError ? `${e.name}: ${e.message}` : String(e) };
    } finally {
      this.busy = false;
      this.render();
    }
  }

  private render(): void {
    const d = this.detail;
    if (!d) {
      fill(
        this.body,
        h(
          'div',
          { class: 'placeholder' },
          h('p', {}, 'Select an execution to see its path on the graph, its events, each state’s input and output, and what it sent.'),
        ),
      );
      return;
    }
    const e = d.execution;
    const redrivable = e.status === 'FAILED' || e.status === 'ABORTED';
    const stop = e.stopDate ?? null;
    fill(
      this.body,
      h(
        'header',
        { class: 'detail-head' },
        h(
          'div',
          { class: 'title-row' },
          h('span', { class: `status status-${e.status.toLowerCase()}`, id: 'execution-status' }, e.status),
          d.outcome && d.outcome.status === 'WARNING' ? h('span', { class: 'status status-warning' }, 'WARNING') : null,
          h('h2', { title: e.inputKey }, baseName(e.inputKey)),
          h(
            'button',
            {
              id: 'redrive',
              type: 'button',
              class: 'primary',
              disabled: !redrivable || this.busy,
              title: redrivable
                ? 'Resume at the state that failed, with the same input'
                : `Only FAILED or ABORTED executions can be redriven (this one is ${e.status})`,
              onclick: () => void this.redrive(e.name),
            },
            this.busy ? 'Redriving…' : 'Redrive',
          ),
        ),
        h(
          'dl',
          { class: 'facts' },
          ...fact('execution', h('code', { title: e.name }, e.name)),
          ...fact('dataset', e.dataset ?? '—'),
          ...fact('input', h('code', { title: e.inputKey }, e.inputKey)),
          ...fact(
            'started',
            `${clock(e.startDate)}${stop ? ` · took ${duration(Date.parse(stop) - Date.parse(e.startDate))}` : ' · running'}${e.redriveCount > 0 ? ` · redriven ${e.redriveCount}×` : ''}`,
          ),
          ...(d.outcome && d.outcome.rowsIn !== null
            ? fact(
                'rows',
                `${d.outcome.rowsIn} in → ${d.outcome.rowsOut ?? 0} out · ${d.outcome.duplicatesRemoved ?? 0} duplicates · ${d.outcome.malformedRows ?? 0} malformed`,
              )
            : []),
        ),
        e.error && e.status !== 'SUCCEEDED' ? h('div', { class: 'error-box', role: 'status' }, h('strong', {}, e.error), e.cause ? `: ${e.cause}` : '') : null,
        this.message
          ? h('div', { class: `message message-${this.message.kind}`, role: this.message.kind === 'error' ? 'alert' : 'status' }, this.message.text)
          : null,
      ),
      h(
        'nav',
        { class: 'tabs', role: 'tablist' },
        ...TABS.map((t) =>
          h(
            'button',
            {
              type: 'button',
              role: 'tab',
              'data-tab': t.id,
              'aria-selected': String(this.tab === t.id),
              onclick: () => {
                this.tab = t.id;
                this.render();
              },
            },
            t.label,
            t.id === 'notification' && d.notifications.length > 0 ? h('span', { class: 'tab-count' }, d.notifications.length) : null,
            t.id === 'files' && d.files.length > 0 ? h('span', { class: 'tab-count' }, d.files.length) : null,
          ),
        ),
      ),
      h('div', { class: 'tab-body', role: 'tabpanel' }, this.tabBody(d)),
    );
  }

  private tabBody(d: ExecutionDetail): Child {
    switch (this.tab) {
      case 'timeline':
        return timeline(d, (state) => this.showState(state));
      case 'state':
        return this.state ? stateVisits(this.state, d) : h('p', { class: 'muted' }, 'Click a state on the graph or in the timeline.');
      case 'notification':
        return notifications(d);
      case 'files':
        return files(d);
    }
  }
}

function fact(term: string, value: Child): Child[] {
  return [h('dt', {}, term), h('dd', {}, value)];
}

/** The state shown first: where the execution stopped, else the last one it entered. */
function defaultState(d: ExecutionDetail): string | null {
  if (d.path.current) return d.path.current;
  const last = d.path.steps[d.path.steps.length - 1];
  return last?.to ?? null;
}

const EVENT_CLASS: Record<string, string> = {
  StateFailed: 'ev-failed',
  ExecutionFailed: 'ev-failed',
  ExecutionAborted: 'ev-failed',
  StateCaught: 'ev-caught',
  StateRetried: 'ev-retried',
  ExecutionSucceeded: 'ev-succeeded',
  ExecutionRedriven: 'ev-redriven',
};

function timeline(d: ExecutionDetail, onState: (state: string) => void): HTMLElement {
  const start = d.execution.startDate;
  // Entered/Exited pairs are the bulk of a history: the entry stands for both.
  return h(
    'ol',
    { class: 'timeline' },
    ...d.timeline
      .filter((ev) => ev.type !== 'StateExited')
      .map((ev) => {
        const text = ev.error ? `${ev.error.error}${ev.error.cause ? `: ${ev.error.cause}` : ''}` : ev.note;
        return h(
          'li',
          { class: EVENT_CLASS[ev.type] ?? '', 'data-type': ev.type },
          h('span', { class: 'when', title: ev.timestamp }, offset(ev.timestamp, start)),
          h('span', { class: 'type', title: ev.type }, ev.type.replace(/^(State|Execution)/, '')),
          ev.state && ev.type !== 'ExecutionRedriven'
            ? h('button', { type: 'button', class: 'link state-link', onclick: () => onState(ev.state as string) }, ev.state)
            : h('span', { class: 'execution-event' }, ev.type.startsWith('Execution') ? 'execution' : ''),
          text ? h('span', { class: 'note', title: text }, text) : null,
        );
      }),
  );
}

function stateVisits(state: string, d: ExecutionDetail): HTMLElement {
  const run = d.path.states[state];
  if (!run) return h('div', {}, h('h3', {}, state), h('p', { class: 'muted' }, 'This execution did not run this state.'));
  return h(
    'div',
    { class: 'state-detail' },
    h('h3', {}, state, ' ', h('span', { class: `status status-${run.status}` }, run.status)),
    ...run.visits.map((visit, i) => visitView(visit, i, run.visits.length)),
  );
}

function visitView(visit: StateVisit, index: number, count: number): HTMLElement {
  const when = `${clock(visit.enteredAt)}${visit.exitedAt ? ` · ${duration(Date.parse(visit.exitedAt) - Date.parse(visit.enteredAt))}` : ''}`;
  return h(
    'section',
    { class: 'visit' },
    count > 1 ? h('h4', {}, `${visit.attempt === 0 ? 'first run' : `redrive ${visit.attempt}`} · ${visit.status}`) : null,
    h('p', { class: 'muted' }, when, visit.retries > 0 ? ` · retried ${visit.retries}×` : '', visit.caughtBy ? ` · caught → ${visit.caughtBy}` : ''),
    visit.error ? h('div', { class: 'error-box' }, h('strong', {}, visit.error.error), visit.error.cause ? `: ${visit.error.cause}` : '') : null,
    block('Input', visit.input, index === count - 1),
    visit.exitedAt ? block('Output', visit.output, index === count - 1) : null,
  );
}

function block(title: string, value: unknown, open: boolean): HTMLElement {
  return h('details', { open }, h('summary', {}, title), h('pre', {}, json(value)));
}

function notifications(d: ExecutionDetail): HTMLElement {
  if (d.notifications.length === 0)
    return h('p', { class: 'muted' }, d.execution.status === 'RUNNING' ? 'Nothing sent yet.' : 'This execution sent no notification.');
  return h(
    'div',
    { class: 'notifications' },
    ...d.notifications.map((n) =>
      h(
        'article',
        { class: 'notification' },
        h('div', { class: 'row' }, h('span', { class: `topic topic-${n.topic}` }, n.topic), h('time', { datetime: n.timestamp }, clock(n.timestamp))),
        n.subject ? h('h4', {}, n.subject) : null,
        h('pre', {}, n.message),
      ),
    ),
  );
}

function files(d: ExecutionDetail): HTMLElement {
  if (d.files.length === 0) return h('p', { class: 'muted' }, 'No file of this execution is in the bucket.');
  return h(
    'table',
    { class: 'files' },
    h(
      'tbody',
      {},
      ...d.files.map((f) =>
        h(
          'tr',
          {},
          h('td', { class: 'role' }, f.role),
          h('td', {}, h('a', { href: `/files/${f.key.split('/').map(enc).join('/')}`, target: '_blank', rel: 'noopener' }, f.key)),
          h('td', { class: 'size' }, bytes(f.sizeBytes)),
        ),
      ),
    ),
  );
}
