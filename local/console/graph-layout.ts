/**
 * The state machine as a graph, laid out by dagre from the ASL itself: one node per state (plus
 * a Start marker), one edge per Next, Choice rule, Default, Catch, and a self-loop per Retry.
 */
import { Graph, layout } from '@dagrejs/dagre';

import { type ChoiceCondition, catchersOf, nextOf, retriersOf, type StateMachineBranch } from '../../statemachine/definition';
import type { EdgeKind, GraphEdge, GraphLayout, GraphNode, Point } from './api-types';

/** The id of the entry marker. */
export const START_NODE = '__start__';

/** A transition before layout. */
export interface EdgeSpec {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly label: string | null;
  readonly detail: string | null;
}

// Node sizes are estimated from the label length: the server has no fonts to measure with.
const CHAR_WIDTH = 6.9;
const NODE_HEIGHT = 30;
const LABEL_CHAR_WIDTH = 5.8;
const LABEL_HEIGHT = 16;

/** Lays out the definition top to bottom. */
export function layoutStateMachine(definition: StateMachineBranch): GraphLayout {
  const g = new Graph({ multigraph: true });
  // UR alignment keeps the main flow (StartAt's Next chain) on one straight vertical line.
  g.setGraph({ rankdir: 'TB', align: 'UR', nodesep: 14, edgesep: 6, ranksep: 40 });
  g.setDefaultEdgeLabel(() => ({}));

  g.setNode(START_NODE, { width: 48, height: 22 });
  for (const [name, state] of Object.entries(definition.States)) {
    const width = Math.max(84, Math.ceil(name.length * CHAR_WIDTH) + (state.Type === 'Choice' ? 36 : 24));
    g.setNode(name, { width, height: NODE_HEIGHT });
  }
  const specs = edgeSpecs(definition);
  const backward = backEdges(definition, specs);
  specs.forEach((spec, index) => {
    // A Retry stays on its state: it is drawn as a loop on the node, not routed by the layout.
    if (spec.kind === 'retry') return;
    // An upward edge's label goes by its target (below): in the middle it would float far from both ends.
    const labelled = spec.label !== null && !backward.has(index);
    const [v, w] = backward.has(index) ? [spec.to, spec.from] : [spec.from, spec.to];
    g.setEdge(
      v,
      w,
      {
        // Catch edges lead to the failure handling; a low weight keeps them from bending the main flow.
        weight: spec.kind === 'catch' || backward.has(index) ? 1 : 4,
        minlen: 1,
        width: labelled ? Math.ceil((spec.label ?? '').length * LABEL_CHAR_WIDTH) + 6 : 0,
        height: labelled ? LABEL_HEIGHT : 0,
        labelpos: 'c',
      },
      String(index),
    );
  });
  layout(g);

  const nodes: GraphNode[] = g.nodes().map((id) => {
    const n = g.node(id);
    const state = definition.States[id];
    return {
      id,
      type: id === START_NODE ? 'Start' : state.Type,
      x: round(n.x ?? 0),
      y: round(n.y ?? 0),
      width: n.width,
      height: n.height,
      comment: state?.Comment ?? null,
    };
  });
  const edges: GraphEdge[] = specs.map((spec, index) => {
    const id = `${spec.from}->${spec.to}#${index}`;
    if (spec.kind === 'retry') {
      const n = g.node(spec.from);
      return { id, ...spec, points: [], labelAt: { x: round((n.x ?? 0) + n.width / 2 + 4), y: round((n.y ?? 0) - n.height / 2 - 2) } };
    }
    const backwards = backward.has(index);
    const e = g.edge(backwards ? spec.to : spec.from, backwards ? spec.from : spec.to, String(index));
    const points = (e.points ?? []).map((p: Point) => ({ x: round(p.x), y: round(p.y) }));
    if (backwards) points.reverse();
    const labelAt = spec.label === null ? null : backwards ? besideTarget(points, spec.label) : { x: round(e.x ?? 0), y: round(e.y ?? 0) };
    return { id, ...spec, points, labelAt };
  });
  return fitted(nodes, edges);
}

const MARGIN = 12;

/** Moves everything to start at the margin: edges may be routed outside the nodes' bounding box. */
function fitted(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): GraphLayout {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const n of nodes) {
    xs.push(n.x - n.width / 2, n.x + n.width / 2);
    ys.push(n.y - n.height / 2, n.y + n.height / 2);
  }
  for (const e of edges) {
    for (const p of e.points) {
      xs.push(p.x);
      ys.push(p.y);
    }
    // A Retry's label is not drawn (the loop on the node stands for it); other labels are centred.
    if (e.labelAt && e.label && e.kind !== 'retry') {
      const half = (e.label.length * LABEL_CHAR_WIDTH) / 2;
      xs.push(e.labelAt.x - half, e.labelAt.x + half);
      ys.push(e.labelAt.y - LABEL_HEIGHT / 2, e.labelAt.y + LABEL_HEIGHT / 2);
    }
  }
  // The loop drawn for a Retry sticks out on the right of its node.
  for (const n of nodes) xs.push(n.x + n.width / 2 + 16);
  const dx = MARGIN - Math.min(...xs);
  const dy = MARGIN - Math.min(...ys);
  const move = (p: Point): Point => ({ x: round(p.x + dx), y: round(p.y + dy) });
  return {
    width: round(Math.max(...xs) - Math.min(...xs) + 2 * MARGIN),
    height: round(Math.max(...ys) - Math.min(...ys) + 2 * MARGIN),
    nodes: nodes.map((n) => ({ ...n, ...move(n) })),
    edges: edges.map((e) => ({ ...e, points: e.points.map(move), labelAt: e.labelAt ? move(e.labelAt) : null })),
  };
}

/**
 * The edges to lay out upwards. The main flow is what StartAt reaches without a Catch; an edge
 * from the failure handling back into it (a redrive resuming) points up, and so does any edge
 * closing a cycle found by a depth-first walk that follows the flow before the catchers. Left
 * to itself, the layout would break cycles anywhere and hang the main flow under the failures.
 */
export function backEdges(definition: StateMachineBranch, specs: readonly EdgeSpec[]): Set<number> {
  const out = new Map<string, { index: number; spec: EdgeSpec }[]>();
  specs.forEach((spec, index) => {
    if (spec.kind === 'retry') return;
    out.set(spec.from, [...(out.get(spec.from) ?? []), { index, spec }]);
  });
  const main = new Set<string>();
  const stack = [START_NODE];
  while (stack.length > 0) {
    const node = stack.pop() as string;
    if (main.has(node)) continue;
    main.add(node);
    for (const { spec } of out.get(node) ?? []) if (spec.kind !== 'catch') stack.push(spec.to);
  }
  const backward = new Set<number>();
  specs.forEach((spec, index) => {
    if (spec.kind !== 'retry' && !main.has(spec.from) && main.has(spec.to)) backward.add(index);
  });
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string): void => {
    state.set(node, 'open');
    const edges = [...(out.get(node) ?? [])].filter(({ index }) => !backward.has(index));
    edges.sort((a, b) => Number(a.spec.kind === 'catch') - Number(b.spec.kind === 'catch'));
    for (const { index, spec } of edges) {
      const seen = state.get(spec.to);
      if (seen === 'open') backward.add(index);
      else if (seen === undefined) visit(spec.to);
    }
    state.set(node, 'done');
  };
  visit(START_NODE);
  for (const name of Object.keys(definition.States)) if (!state.has(name)) visit(name);
  return backward;
}

/** Every transition of the definition, in the order the ASL lists them. */
export function edgeSpecs(definition: StateMachineBranch): EdgeSpec[] {
  const specs: EdgeSpec[] = [{ from: START_NODE, to: definition.StartAt, kind: 'start', label: null, detail: null }];
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Choice') {
      for (const rule of state.Choices) specs.push({ from: name, to: rule.Next, kind: 'choice', label: ruleLabel(rule), detail: ruleText(rule) });
      if (state.Default) specs.push({ from: name, to: state.Default, kind: 'default', label: 'default', detail: 'no rule matched' });
    }
    const next = nextOf(state);
    if (next) specs.push({ from: name, to: next, kind: 'next', label: null, detail: null });
    for (const retrier of retriersOf(state)) {
      const attempts = retrier.MaxAttempts ?? 3;
      specs.push({
        from: name,
        to: name,
        kind: 'retry',
        label: `retry ×${attempts}`,
        detail:
          `Retry on ${retrier.ErrorEquals.join(', ')}: up to ${attempts} times, ${retrier.IntervalSeconds ?? 1} s × ${retrier.BackoffRate ?? 2}` +
          (retrier.MaxDelaySeconds === undefined ? '' : `, at most ${retrier.MaxDelaySeconds} s apart`) +
          (retrier.JitterStrategy === 'FULL' ? ', full jitter' : ''),
      });
    }
    for (const catcher of catchersOf(state)) {
      specs.push({ from: name, to: catcher.Next, kind: 'catch', label: null, detail: `Catch ${catcher.ErrorEquals.join(', ')}` });
    }
  }
  return specs;
}

const OPERATORS: Readonly<Record<string, string>> = {
  BooleanEquals: '=',
  StringEquals: '=',
  NumericEquals: '=',
  TimestampEquals: '=',
  NumericLessThan: '<',
  NumericGreaterThan: '>',
  NumericLessThanEquals: '≤',
  NumericGreaterThanEquals: '≥',
  StringMatches: '~',
};

/** The rule in full, e.g. `$.outcome.status StringEquals "WARNING"`. */
function ruleText(rule: ChoiceCondition): string {
  if (rule.And) return `And(${rule.And.map(ruleText).join(', ')})`;
  if (rule.Or) return `Or(${rule.Or.map(ruleText).join(', ')})`;
  if (rule.Not) return `Not(${ruleText(rule.Not)})`;
  const [operator, value] = Object.entries(rule).find(([k]) => k !== 'Variable' && k !== 'Next') ?? ['?', ''];
  return `${rule.Variable ?? ''} ${operator} ${JSON.stringify(value)}`;
}

/**
 * A short label: the variable's last field, the operator, the value (`status = "WARNING"`), a
 * `…Path` operand by its last field too; combinations spelled out (`size ≤ max and max > 0`),
 * `Not` of `IsPresent` as `absent`.
 */
function ruleLabel(rule: ChoiceCondition): string {
  if (rule.And) return rule.And.map(ruleLabel).join(' and ');
  if (rule.Or) return rule.Or.map(ruleLabel).join(' or ');
  const field = lastField(rule.Variable);
  if (rule.Not) return rule.Not.IsPresent === true ? `${lastField(rule.Not.Variable)} absent` : `not (${ruleLabel(rule.Not)})`;
  if (rule.IsPresent !== undefined) return `${field} ${rule.IsPresent ? 'present' : 'absent'}`;
  const [operator, value] = Object.entries(rule).find(([k]) => k !== 'Variable' && k !== 'Next') ?? ['?', ''];
  if (operator.endsWith('Path')) {
    const base = operator.slice(0, -'Path'.length);
    return `${field} ${OPERATORS[base] ?? base} ${lastField(String(value))}`;
  }
  return `${field} ${OPERATORS[operator] ?? operator} ${JSON.stringify(value)}`;
}

function lastField(path: string | undefined): string {
  return (path ?? '').split('.').pop() ?? '';
}

/** Just below and left of the end of an upward edge. */
function besideTarget(points: readonly Point[], label: string): Point | null {
  const end = points[points.length - 1];
  return end ? { x: round(end.x - (label.length * LABEL_CHAR_WIDTH) / 2 - 2), y: round(end.y + 10) } : null;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
