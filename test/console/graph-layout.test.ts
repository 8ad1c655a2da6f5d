/**
 * The console's graph is laid out from the ASL itself: every state is a node, every Next,
 * Choice rule, Default, Catch and Retry an edge, and the redrive edges are the ones that point up.
 */
import { edgeSpecs, layoutStateMachine, START_NODE } from '../../local/console/graph-layout';
import { loadLocalDefinition } from '../../local/runtime/definition';
import { STATE } from '../../statemachine/definition';

const definition = loadLocalDefinition();

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
    expect(edges('choice').find((e) => e.from === STATE.IsValid)).toMatchObject({ to: STATE.ChooseEngine, label: 'valid = true' });
    expect(edges('choice').filter((e) => e.from === STATE.ChooseEngine)).toEqual([
      expect.objectContaining({ to: STATE.Transform, label: 'fastPathMaxBytes absent' }),
      expect.objectContaining({ to: STATE.Transform, label: 'forceGlueJob present and forceGlueJob = true' }),
      expect.objectContaining({
        to: STATE.TransformInLambda,
        label: 'fastPathMaxBytes > 0 and uncompressedSizeBytes present and uncompressedSizeBytes ≤ fastPathMaxBytes',
      }),
      expect.objectContaining({
        to: STATE.TransformInLambda,
        label: 'fastPathMaxBytes > 0 and uncompressedSizeBytes absent and sizeBytes ≤ fastPathMaxBytes',
        detail:
          'And($.fastPathMaxBytes NumericGreaterThan 0, Not($.validation.uncompressedSizeBytes IsPresent true), $.sizeBytes NumericLessThanEqualsPath "$.fastPathMaxBytes")',
      }),
    ]);
    expect(edges('default').find((e) => e.from === STATE.ChooseEngine)).toMatchObject({ to: STATE.Transform, label: 'default' });
    expect(
      edges('catch')
        .filter((e) => e.from === STATE.TransformInLambda)
        .map((e) => e.to),
    ).toEqual([STATE.NotifyCritical, STATE.DescribeTransformFailure, STATE.NotifyCritical]);
    expect(edges('retry').find((e) => e.from === STATE.TransformInLambda)).toMatchObject({ to: STATE.TransformInLambda, label: 'retry ×3' });
    expect(edges('next').find((e) => e.from === STATE.TransformInLambda)).toMatchObject({ to: STATE.Summarize });
    expect(edges('default').find((e) => e.from === STATE.IsValid)).toMatchObject({ to: STATE.Reject, label: 'default' });
    expect(edges('choice').find((e) => e.from === STATE.RouteOutcome)).toMatchObject({ to: STATE.NotifyWarning, label: 'status = "WARNING"' });
    expect(
      edges('catch')
        .filter((e) => e.from === STATE.Transform)
        .map((e) => e.to),
    ).toEqual([STATE.NotifyCritical, STATE.DescribeTransformFailure, STATE.NotifyCritical]);
    expect(edges('catch').find((e) => e.from === STATE.Transform && e.to === STATE.DescribeTransformFailure)?.detail).toContain('States.TaskFailed');
    const transformRetries = (definition.States[STATE.Transform] as { Retry: { MaxAttempts: number }[] }).Retry[0].MaxAttempts;
    expect(edges('retry').find((e) => e.from === STATE.Transform)).toMatchObject({ to: STATE.Transform, label: `retry ×${transformRetries}` });
    expect(edges('retry').find((e) => e.from === STATE.Transform)?.detail).toContain('full jitter');
    expect(edges('next').find((e) => e.from === STATE.Summarize)).toMatchObject({ to: STATE.Archive });
    expect(edges('start')).toEqual([expect.objectContaining({ from: START_NODE, to: STATE.Validate })]);
    // Every transition of the ASL is drawn once.
    expect(layout.edges).toHaveLength(edgeSpecs(definition).length);
    for (const e of layout.edges.filter((x) => x.kind !== 'retry')) expect(e.points.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps the main flow top to bottom; the redrive edges out of ResumeAt point up', () => {
    // Assess
    const order = [
      STATE.Validate,
      STATE.IsValid,
      STATE.ChooseEngine,
      STATE.Transform,
      STATE.Summarize,
      STATE.Archive,
      STATE.RouteOutcome,
      STATE.NotifySuccess,
      STATE.Succeeded,
    ];
    for (let i = 1; i < order.length; i += 1) expect(node(order[i])?.y).toBeGreaterThan(node(order[i - 1])?.y as number);
    expect(node(STATE.TransformInLambda)?.y).toBeGreaterThan(node(STATE.ChooseEngine)?.y as number);
    expect(node(STATE.TransformInLambda)?.y).toBeLessThan(node(STATE.Summarize)?.y as number);
    expect(node(STATE.RedriveGate)?.y).toBeGreaterThan(node(STATE.NotifyCritical)?.y as number);
    for (const e of layout.edges.filter((x) => x.from === STATE.ResumeAt)) {
      expect(node(e.to)?.y).toBeLessThan(node(STATE.ResumeAt)?.y as number);
      // The edge is drawn from ResumeAt to its target, not the other way round.
      expect(e.points[0].y).toBeGreaterThan(e.points[e.points.length - 1].y);
    }
  });
});
