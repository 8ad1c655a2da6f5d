/// <reference lib="dom" />
/** The execution list: newest first, filtered by status and searched by file or dataset on the server. */
import type { ExecutionSummary } from '../api-types';
import { call, enc } from './api';
import { fill, h } from './dom';
import { baseName, clock } from './format';

/** The list panel. */
export class ExecutionList {
  readonly element: HTMLElement;
  private readonly items: HTMLElement;
  private readonly status: HTMLSelectElement;
  private readonly search: HTMLInputElement;
  private readonly count: HTMLElement;
  private selected: string | null = null;
  private timer: number | undefined;
  private loading = 0;

  constructor(
    private readonly onSelect: (name: string) => void,
    private readonly onError: (e: unknown) => void,
  ) {
    this.status = h(
      'select',
      { id: 'status-filter', 'aria-label': 'status', onchange: () => void this.refresh() },
      ...['', 'RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED'].map((s) => h('option', { value: s }, s === '' ? 'All' : s)),
    );
    this.search = h('input', {
      id: 'search',
      type: 'search',
      placeholder: 'Search file or dataset',
      'aria-label': 'search by file or dataset',
      oninput: () => {
        window.clearTimeout(this.timer);
        this.timer = window.setTimeout(() => void this.refresh(), 200);
      },
    });
    this.count = h('span', { class: 'count' });
    this.items = h('ol', { class: 'executions', 'aria-label': 'executions' });
    this.element = h(
      'section',
      { class: 'panel list-panel' },
      h('div', { class: 'panel-head' }, h('h2', {}, 'Executions'), this.count),
      h('div', { class: 'filters' }, this.status, this.search),
      this.items,
    );
  }

  /** Reloads the list with the current filters. */
  async refresh(): Promise<void> {
    const ticket = (this.loading += 1);
    const query = new URLSearchParams();
    if (this.status.value) query.set('status', this.status.value);
    if (this.search.value.trim()) query.set('q', this.search.value.trim());
    try {
      const { executions } = await call<{ executions: ExecutionSummary[] }>(`/api/executions?${query}`);
      if (ticket !== this.loading) return; // a newer query answered first
      this.render(executions);
    } catch (e: unknown) {
      this.onError(e);
    }
  }

  /** Highlights the selected execution. */
  select(name: string | null): void {
    this.selected = name;
    this.items.querySelectorAll<HTMLElement>('[data-name]').forEach((item) => {
      item.classList.toggle('selected', item.dataset.name === name);
      item.setAttribute('aria-selected', String(item.dataset.name === name));
    });
  }

  private render(executions: readonly ExecutionSummary[]): void {
    const filtered = Boolean(this.status.value || this.search.value.trim());
    fill(this.count, `${executions.length}${executions.length === 200 ? '+' : ''}`);
    if (executions.length === 0) {
      fill(
        this.items,
        h('li', { class: 'empty' }, filtered ? 'No execution matches.' : 'No executions yet. Upload a CSV, or run etl run / etl watch on this root.'),
      );
      return;
    }
    fill(
      this.items,
      ...executions.map((e) =>
        h(
          'li',
          {
            'data-name': e.name,
            'data-status': e.status,
            class: e.name === this.selected ? 'selected' : null,
            tabindex: 0,
            role: 'option',
            'aria-selected': String(e.name === this.selected),
            title: e.name,
            onclick: () => this.onSelect(e.name),
            onkeydown: (event: Event) => {
              if ((event as KeyboardEvent).key === 'Enter') this.onSelect(e.name);
            },
          },
          h(
            'div',
            { class: 'row' },
            h('span', { class: `status status-${e.status.toLowerCase()}` }, e.status),
            e.redriveCount > 0 ? h('span', { class: 'redriven', title: `redriven ${e.redriveCount}×` }, `↻${e.redriveCount}`) : null,
            h('time', { datetime: e.startDate }, clock(e.startDate)),
          ),
          h('div', { class: 'file' }, baseName(e.inputKey)),
          h(
            'div',
            { class: 'meta' },
            e.dataset ?? 'no dataset',
            e.outcome === 'WARNING' ? h('span', { class: 'outcome-warning' }, ' · WARNING') : null,
            e.error ? h('span', { class: 'error-name' }, ` · ${e.error}`) : null,
          ),
        ),
      ),
    );
  }
}

/** The URL of one execution's API. */
export const executionUrl = (name: string): string => `/api/executions/${enc(name)}`;
