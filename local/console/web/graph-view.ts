/// <reference lib="dom" />
/**
 * The state machine graph as SVG, from the server's layout, with an execution's path drawn
 * over it: each state coloured by how it fared, the transitions taken thickened.
 */
import type { ExecutionPath, GraphEdge, GraphLayout, GraphNode, Point } from '../api-types';
import { s } from './dom';

const START = '__start__';

/** The graph on the page. */
export class GraphView {
  readonly element: SVGSVGElement;
  private readonly nodes = new Map<string, SVGGElement>();
  private readonly badges = new Map<string, SVGGElement>();
  private readonly edges: { readonly edge: GraphEdge; readonly el: SVGPathElement }[] = [];
  private selected: string | null = null;

  constructor(
    private readonly layout: GraphLayout,
    private readonly onSelect: (state: string) => void,
  ) {
    this.element = s('svg', {
      viewBox: `0 0 ${layout.width} ${layout.height}`,
      preserveAspectRatio: 'xMidYMin meet',
      role: 'img',
      'aria-label': 'state machine graph',
      class: 'graph',
    });
    this.element.append(defs());
    const edgeLayer = s('g', { class: 'edges' });
    const labelLayer = s('g', { class: 'edge-labels' });
    for (const edge of layout.edges) {
      if (edge.kind === 'retry') continue;
      const el = s('path', {
        d: pathOf(edge.points),
        class: `edge edge-${edge.kind}`,
        'data-from': edge.from,
        'data-to': edge.to,
        'marker-end': 'url(#arrow)',
      });
      if (edge.detail) el.append(s('title', {}, edge.detail));
      edgeLayer.append(el);
      this.edges.push({ edge, el });
      if (edge.label && edge.labelAt) {
        labelLayer.append(s('text', { x: edge.labelAt.x, y: edge.labelAt.y + 3.5, class: `edge-label edge-label-${edge.kind}` }, edge.label));
      }
    }
    const nodeLayer = s('g', { class: 'nodes' });
    for (const node of layout.nodes) nodeLayer.append(this.node(node));
    this.element.append(edgeLayer, nodeLayer, labelLayer);
    this.enablePanAndZoom();
  }

  /** Zooms in (> 1) or out (< 1) around a point of the drawing (its centre by default). */
  zoom(factor: number, at?: Point): void {
    const box = this.viewBox();
    const width = Math.min(this.layout.width, Math.max(this.layout.width / 8, box.width / factor));
    const scale = width / box.width;
    const height = box.height * scale;
    const centre = at ?? { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    this.setViewBox({ x: centre.x - (centre.x - box.x) * scale, y: centre.y - (centre.y - box.y) * scale, width, height });
  }

  /** Shows the whole graph. */
  fit(): void {
    this.setViewBox({ x: 0, y: 0, width: this.layout.width, height: this.layout.height });
  }

  private viewBox(): { x: number; y: number; width: number; height: number } {
    const [x, y, width, height] = (this.element.getAttribute('viewBox') ?? '').split(' ').map(Number);
    return { x, y, width, height };
  }

  private setViewBox(box: { x: number; y: number; width: number; height: number }): void {
    const x = Math.min(Math.max(box.x, -box.width / 2), this.layout.width - box.width / 2);
    const y = Math.min(Math.max(box.y, -box.height / 2), this.layout.height - box.height / 2);
    this.element.setAttribute('viewBox', `${x} ${y} ${box.width} ${box.height}`);
  }

  /** The drawing's coordinates of a point of the screen. */
  private toDrawing(clientX: number, clientY: number): Point {
    const matrix = this.element.getScreenCTM();
    if (!matrix) return { x: 0, y: 0 };
    const p = new DOMPoint(clientX, clientY).matrixTransform(matrix.inverse());
    return { x: p.x, y: p.y };
  }

  private enablePanAndZoom(): void {
    this.element.addEventListener(
      'wheel',
      (event) => {
        event.preventDefault();
        this.zoom(event.deltaY < 0 ? 1.15 : 1 / 1.15, this.toDrawing(event.clientX, event.clientY));
      },
      { passive: false },
    );
    let last: { x: number; y: number } | null = null;
    this.element.addEventListener('pointerdown', (event) => {
      if ((event.target as Element).closest('.node')) return;
      last = { x: event.clientX, y: event.clientY };
      this.element.setPointerCapture(event.pointerId);
      this.element.classList.add('panning');
    });
    this.element.addEventListener('pointermove', (event) => {
      if (!last) return;
      const box = this.viewBox();
      const rect = this.element.getBoundingClientRect();
      // Screen pixels to drawing units: the drawing is scaled to fit ("meet"), by the larger ratio.
      const ratio = Math.max(box.width / rect.width, box.height / rect.height);
      this.setViewBox({ ...box, x: box.x - (event.clientX - last.x) * ratio, y: box.y - (event.clientY - last.y) * ratio });
      last = { x: event.clientX, y: event.clientY };
    });
    const stop = () => {
      last = null;
      this.element.classList.remove('panning');
    };
    this.element.addEventListener('pointerup', stop);
    this.element.addEventListener('pointercancel', stop);
  }

  /** Draws an execution's path (or none). */
  showPath(path: ExecutionPath | null): void {
    for (const [name, el] of this.nodes) {
      const run = path?.states[name];
      el.dataset.status = run ? run.status : name === START && path ? 'succeeded' : 'idle';
      el.classList.toggle('current', path?.current === name);
      const badge = this.badges.get(name);
      badge?.replaceChildren();
      if (!run || !badge) continue;
      const node = this.layout.nodes.find((n) => n.id === name) as GraphNode;
      const retries = run.visits.reduce((sum, v) => sum + v.retries, 0);
      let x = node.x + node.width / 2 - 2;
      const top = node.y - node.height / 2;
      if (retries > 0) {
        badge.append(pill(x, top, `↻ ${retries}`, 'badge badge-retried', `retried ${retries}×`));
        x -= 30;
      }
      if (run.redrivenHere) badge.append(pill(x, top, 'redrive', 'badge badge-redrive', 'a redrive resumed here'));
      const before = run.failedBefore ? 'failed' : run.caughtBefore ? 'caught' : null;
      if (before) badge.append(pill(node.x - node.width / 2 + 38, top, before, `badge badge-${before}-before`, `${before} before the redrive`));
    }
    const taken = new Set<SVGPathElement>();
    for (const step of path?.steps ?? []) {
      const candidates = this.edges.filter(({ edge }) => edge.from === step.from && edge.to === step.to);
      const match = candidates.find(({ edge }) => (step.via === 'catch') === (edge.kind === 'catch')) ?? candidates[0];
      if (match) {
        taken.add(match.el);
        match.el.classList.toggle('taken-catch', step.via === 'catch');
      }
    }
    for (const { el } of this.edges) {
      el.classList.toggle('taken', taken.has(el));
      el.setAttribute('marker-end', taken.has(el) ? (el.classList.contains('taken-catch') ? 'url(#arrow-caught)' : 'url(#arrow-taken)') : 'url(#arrow)');
      if (!taken.has(el)) el.classList.remove('taken-catch');
    }
    this.element.classList.toggle('has-path', path !== null);
  }

  /** Marks the state shown in the details. */
  select(state: string | null): void {
    if (this.selected) this.nodes.get(this.selected)?.classList.remove('selected');
    this.selected = state;
    if (state) this.nodes.get(state)?.classList.add('selected');
  }

  private node(node: GraphNode): SVGGElement {
    const left = node.x - node.width / 2;
    const top = node.y - node.height / 2;
    const g = s('g', { class: `node node-${node.type.toLowerCase()}`, 'data-state': node.id, 'data-status': 'idle', tabindex: node.id === START ? null : 0 });
    if (node.id === START) {
      g.append(s('rect', { x: left, y: top, width: node.width, height: node.height, rx: node.height / 2 }), s('text', { x: node.x, y: node.y + 4 }, 'Start'));
      this.nodes.set(node.id, g);
      return g;
    }
    const radius = node.type === 'Choice' ? node.height / 2 : node.type === 'Succeed' || node.type === 'Fail' ? node.height / 2 : 6;
    // The selection is a ring around the box, so the box keeps the colour of its status.
    g.append(s('rect', { x: left - 4, y: top - 4, width: node.width + 8, height: node.height + 8, rx: radius + 4, class: 'ring' }));
    g.append(s('rect', { x: left, y: top, width: node.width, height: node.height, rx: radius, class: 'box' }));
    if (node.type === 'Choice') g.append(s('text', { x: left + 12, y: node.y + 4, class: 'kind' }, '◇'));
    g.append(s('text', { x: node.x + (node.type === 'Choice' ? 6 : 0), y: node.y + 4.5, class: 'name' }, node.id));
    const retry = this.layout.edges.filter((e) => e.kind === 'retry' && e.from === node.id);
    if (retry.length > 0) {
      // A Retry: a loop on the state's right side.
      const x = node.x + node.width / 2;
      g.append(
        s(
          'path',
          {
            d: `M${x} ${node.y - 7} C${x + 16} ${node.y - 14} ${x + 16} ${node.y + 14} ${x} ${node.y + 7}`,
            class: 'retry-loop',
            'marker-end': 'url(#arrow-retry)',
          },
          s('title', {}, retry.map((e) => e.detail).join('\n')),
        ),
      );
    }
    g.append(s('title', {}, [`${node.id} (${node.type})`, node.comment ?? '', ...retry.map((e) => e.detail ?? '')].filter(Boolean).join('\n')));
    const badge = s('g', { class: 'badges' });
    g.append(badge);
    this.badges.set(node.id, badge);
    g.addEventListener('click', () => this.onSelect(node.id));
    g.addEventListener('keydown', (event) => {
      if ((event as KeyboardEvent).key === 'Enter') this.onSelect(node.id);
    });
    this.nodes.set(node.id, g);
    return g;
  }
}

function defs(): SVGDefsElement {
  const arrow = (id: string, cls: string) =>
    s(
      'marker',
      { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse', class: cls },
      s('path', { d: 'M0 1 L9 5 L0 9 z' }),
    );
  return s(
    'defs',
    {},
    arrow('arrow', 'arrow'),
    arrow('arrow-taken', 'arrow arrow-taken'),
    arrow('arrow-caught', 'arrow arrow-caught'),
    arrow('arrow-retry', 'arrow arrow-retry'),
  );
}

/** A small label on a node's top edge, right-aligned at `right`. */
function pill(right: number, top: number, text: string, cls: string, title: string): SVGGElement {
  const width = text.length * 6 + 10;
  return s(
    'g',
    { class: cls },
    s('rect', { x: right - width, y: top - 8, width, height: 14, rx: 7 }),
    s('text', { x: right - width / 2, y: top + 2.5 }, text),
    s('title', {}, title),
  );
}

/** A smooth path through the layout's points (quadratic curves between midpoints). */
function pathOf(points: readonly Point[]): string {
  if (points.length === 0) return '';
  if (points.length < 3) return `M${points.map((p) => `${p.x} ${p.y}`).join(' L')}`;
  let d = `M${points[0].x} ${points[0].y}`;
  for (let i = 1; i < points.length - 1; i += 1) {
    const last = i === points.length - 2;
    const to = last ? points[i + 1] : { x: (points[i].x + points[i + 1].x) / 2, y: (points[i].y + points[i + 1].y) / 2 };
    d += ` Q${points[i].x} ${points[i].y} ${to.x} ${to.y}`;
  }
  return d;
}
