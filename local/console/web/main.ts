/// <reference lib="dom" />
/**
 * The console page: the execution list, the state machine graph with the selected execution's
 * path, its details; live updates from the server's event stream; upload and redrive. Any
 * failure is shown in the page, never as a blank screen.
 */
import type { ChangeNotice, ConsoleConfig, ExecutionDetail, GraphLayout, UploadAnswer } from '../api-types';
import { ApiRequestError, call, enc } from './api';
import { fill, h } from './dom';
import { bytes } from './format';
import { ExecutionDetailView } from './execution-detail';
import { ExecutionList, executionUrl } from './execution-list';
import { GraphView } from './graph-view';

const banner = h('div', { id: 'banner', class: 'banner', role: 'alert', hidden: true });

/** Shows an error at the top of the page (or hides the banner with `null`). */
function showError(e: unknown): void {
  if (e === null) {
    banner.hidden = true;
    return;
  }
  const text = e instanceof ApiRequestError ? `${e.name}: ${e.message}` : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  fill(banner, h('span', {}, text), h('button', { type: 'button', class: 'link', 'aria-label': 'dismiss', onclick: () => showError(null) }, '×'));
  banner.hidden = false;
}

window.addEventListener('error', (event) => showError(event.error ?? event.message));
window.addEventListener('unhandledrejection', (event) => showError(event.reason));

async function start(): Promise<void> {
  const app = document.getElementById('app') as HTMLElement;
  const [config, layout] = await Promise.all([call<ConsoleConfig>('/api/config'), call<GraphLayout>('/api/graph')]);

  let selected: string | null = null;
  let loadTicket = 0;
  const detail = new ExecutionDetailView((state) => graph.select(state));
  const graph = new GraphView(layout, (state) => detail.showState(state));
  const list = new ExecutionList((name) => select(name), showError);

  async function loadDetail(fresh: boolean): Promise<void> {
    const name = selected;
    const ticket = (loadTicket += 1);
    if (!name) {
      graph.showPath(null);
      detail.show(null, { fresh });
      return;
    }
    try {
      const d = await call<ExecutionDetail>(executionUrl(name));
      if (ticket !== loadTicket) return;
      graph.showPath(d.path);
      detail.show(d, { fresh });
    } catch (e: unknown) {
      if (ticket !== loadTicket) return;
      graph.showPath(null);
      detail.show(null, { fresh });
      showError(e);
    }
  }

  function select(name: string | null): void {
    const fresh = name !== selected;
    selected = name;
    list.select(name);
    const hash = name ? `#/executions/${enc(name)}` : '#/';
    if (location.hash !== hash) history.replaceState(null, '', hash);
    void loadDetail(fresh);
  }

  const live = h('span', { class: 'live', id: 'live', title: 'live updates from the execution history' }, 'connecting…');
  const upload = uploadControl(config, (answer) => {
    void list.refresh();
    select(answer.executions[0] ?? null);
    detail.notify('info', `Uploaded as ${answer.key}; it runs like any upload.`);
  });

  fill(
    app,
    h(
      'header',
      { class: 'top' },
      h('h1', {}, 'etl console'),
      h('span', { class: 'root', title: 'local root' }, config.root),
      h('span', { class: 'spacer' }),
      live,
      upload,
    ),
    banner,
    h(
      'main',
      { class: 'layout' },
      list.element,
      h(
        'section',
        { class: 'panel graph-panel', 'aria-label': 'state machine' },
        h(
          'div',
          { class: 'panel-head' },
          h('h2', {}, 'State machine'),
          h('code', { class: 'muted' }, 'statemachine/etl.asl.json'),
          h(
            'span',
            { class: 'zoom' },
            h('button', { type: 'button', title: 'zoom in (or the mouse wheel)', 'aria-label': 'zoom in', onclick: () => graph.zoom(1.25) }, '+'),
            h('button', { type: 'button', title: 'zoom out', 'aria-label': 'zoom out', onclick: () => graph.zoom(0.8) }, '−'),
            h('button', { type: 'button', title: 'show the whole graph', onclick: () => graph.fit() }, 'Fit'),
          ),
        ),
        h('div', { class: 'graph-wrap' }, graph.element),
        legend(),
      ),
      detail.element,
    ),
  );

  // Live updates: the server watches the SQLite history (also written by etl watch elsewhere).
  // Each (re)connection catches up on what changed while the stream was not there.
  const stream = new EventSource('/api/stream');
  stream.addEventListener('open', () => {
    fill(live, 'live');
    live.classList.add('on');
    void list.refresh();
    if (selected) void loadDetail(false);
  });
  stream.addEventListener('error', () => {
    fill(live, 'reconnecting…');
    live.classList.remove('on');
  });
  stream.addEventListener('executions', (event) => {
    const notice = JSON.parse((event as MessageEvent<string>).data) as ChangeNotice;
    void list.refresh();
    if (selected && notice.changed.includes(selected)) void loadDetail(false);
  });

  // Where the stream cannot stay open (a proxy that buffers it), a slow poll stands in.
  window.setInterval(() => {
    if (stream.readyState === EventSource.OPEN) return;
    void list.refresh();
    if (selected) void loadDetail(false);
  }, 5000);

  const fromHash = /^#\/executions\/(.+)$/.exec(location.hash);
  await list.refresh();
  select(fromHash ? decodeURIComponent(fromHash[1]) : null);
}

function uploadControl(config: ConsoleConfig, onDone: (answer: UploadAnswer) => void): HTMLElement {
  const dataset = h(
    'select',
    { id: 'upload-dataset', 'aria-label': 'dataset of the upload', title: 'the dataset the file is for (by default, the one whose match the file name fits)' },
    h('option', { value: '' }, 'dataset: by file name'),
    ...config.datasets.map((name) => h('option', { value: name }, `dataset: ${name}`)),
  );
  const input = h('input', { id: 'upload-file', type: 'file', accept: [...config.uploadSuffixes, 'text/csv'].join(','), hidden: true });
  const button = h('button', { type: 'button', id: 'upload', onclick: () => input.click() }, 'Upload CSV');
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    if (file.size > config.maxUploadBytes) {
      showError(
        new ApiRequestError(
          413,
          'UploadTooLargeError',
          `${file.name} is ${bytes(file.size)}; the console accepts uploads up to ${bytes(config.maxUploadBytes)} (use etl run for larger files)`,
        ),
      );
      return;
    }
    button.disabled = true;
    fill(button, 'Uploading…');
    const query = new URLSearchParams({ name: file.name });
    if (dataset.value) query.set('dataset', dataset.value);
    call<UploadAnswer>(`/api/uploads?${query}`, { method: 'POST', body: file, headers: { 'Content-Type': 'text/csv' } })
      .then((answer) => {
        showError(null);
        onDone(answer);
      })
      .catch(showError)
      .finally(() => {
        button.disabled = false;
        fill(button, 'Upload CSV');
      });
  });
  return h('div', { class: 'upload' }, dataset, button, input);
}

function legend(): HTMLElement {
  const item = (cls: string, text: string) => h('li', {}, h('span', { class: `swatch ${cls}` }), text);
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'legend' },
    item('st-succeeded', 'succeeded'),
    item('st-retried', 'retried'),
    item('st-caught', 'caught'),
    item('st-failed', 'failed'),
    item('st-running', 'running'),
    item('st-idle', 'not run'),
    item('ln-taken', 'path taken'),
    item('ln-catch', 'Catch'),
    item('ln-retry', 'Retry'),
  );
}

start().catch((e: unknown) => {
  const app = document.getElementById('app');
  if (app) fill(app, banner);
  showError(e);
});
