/**
 * The console's graph is laid out from the ASL itself: every state is a node, every Next,
 * Choice rule, Default, Catch and Retry an edge, and the redrive edges are the ones that point up.
 */
import { edgeSpecs, layoutStateMachine, START_NODE, type AslDefinition } from '../../local/console/graph-layout';
import { loadLocalDefinition } from '../../local/runtime/definition';

const definition = loadLocalDefinition() as unknown as AslDefinition;

describe('graph layout of statemachine/etl.asl.json', () => {
  const layout = layoutStateMachine(definition);
  const node = (id: string) => layout.nodes.find((n) => n.id === id);
  const edges = (kind: string) => layout.edges.filter((e) => e.kind === kind);

  it('has one node per state, plus the start marker, inside the drawing', () => {
    // Assess
    expect(layout.nodes.map((n) => n.id).sort()).toEqual([START_NODE, ...Object.keys(definition.States)].sort());
    for (const n of layout.nodes) {
      expect(n.x - n.width / 2).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width / 2).toBeLessThanOrEqual(layout.width);
      expect(n.y + n.height / 2).toBeLessThanOrEqual(layout.height);
    }
    for (const e of layout.edges) for (const p of e.points) expect(p.x).toBeGreaterThanOrEqual(0);
  });

  it('draws Choice rules and Defaults, Catch and Retry edges from the ASL', () => {
    // Assess
    expect(edges('choice').find((e) => e.from === 'IsValid')).toMatchObject({ to: 'Transform', label: 'valid = true' });
    expect(edges('default').find((e) => e.from === 'IsValid')).toMatchObject({ to: 'Reject', label: 'default' });
    expect(edges('choice').find((e) => e.from === 'RouteOutcome')).toMatchObject({ to: 'NotifyWarning', label: 'status = "WARNING"' });
    expect(edges('catch').filter((e) => e.from === 'Transform').map((e) => e.to)).toEqual(['NotifyCritical', 'DescribeTransformFailure', 'NotifyCritical']);
    expect(edges('catch').find((e) => e.from === 'Transform' && e.to === 'DescribeTransformFailure')?.detail).toContain('States.TaskFailed');
    expect(edges('retry').find((e) => e.from === 'Transform')).toMatchObject({ to: 'Transform', label: 'retry ×8' });
    expect(edges('next').find((e) => e.from === 'Summarize')).toMatchObject({ to: 'Archive' });
    expect(edges('start')).toEqual([expect.objectContaining({ from: START_NODE, to: 'Validate' })]);
    // Every transition of the ASL is drawn once.
    expect(layout.edges).toHaveLength(edgeSpecs(definition).length);
    for (const e of layout.edges.filter((x) => x.kind !== 'retry')) expect(e.points.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps the main flow top to bottom; the redrive edges out of ResumeAt point up', () => {
    // Assess
    const order = ['Validate', 'IsValid', 'Transform', 'Summarize', 'Archive', 'RouteOutcome', 'NotifySuccess', 'Succeeded'];
    for (let i = 1; i < order.length; i += 1) expect(node(order[i])?.y).toBeGreaterThan(node(order[i - 1])?.y as number);
    expect(node('RedriveGate')?.y).toBeGreaterThan(node('NotifyCritical')?.y as number);
    for (const e of layout.edges.filter((x) => x.from === 'ResumeAt')) {
      expect(node(e.to)?.y).toBeLessThan(node('ResumeAt')?.y as number);
      // The edge is drawn from ResumeAt to its target, not the other way round.
      expect(e.points[0].y).toBeGreaterThan(e.points[e.points.length - 1].y);
    }
  });
});
