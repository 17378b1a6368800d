import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildGraph, selectTargets, type TaskSpec, toDot, toMermaid } from '../../lib/engine/graph.js';
import type { Failure } from '../../lib/failure.js';

const spec = (name: string, deps: string[] = [], extra: Partial<TaskSpec> = {}): TaskSpec => ({
  name,
  description: `${name} task`,
  deps,
  source: 'test',
  ...extra,
});
const graphOf = (specs: TaskSpec[]) => {
  const g = buildGraph(specs);
  if (!g.ok) throw new Error(`unexpected failures: ${JSON.stringify(g.error)}`);
  return g.value;
};
const failuresOf = (specs: TaskSpec[]): Failure[] => {
  const g = buildGraph(specs);
  assert.not.ok(g.ok, 'expected the graph to be rejected');
  return g.ok ? [] : g.error;
};

const Graph = suite('graph');

Graph('orders dependencies first, ties by name', () => {
  const g = graphOf([spec('deploy', ['scan', 'build']), spec('scan', ['build']), spec('build'), spec('audit')]);
  assert.equal([...g.order], ['audit', 'build', 'scan', 'deploy']);
});

Graph('reports a two-node cycle as a path', () => {
  const f = failuresOf([spec('a', ['b']), spec('b', ['a'])]);
  assert.equal(f, [{ reason: 'cycle', path: ['a', 'b', 'a'] }]);
});

Graph('prints the same cycle trail whatever the declaration order', () => {
  const one = failuresOf([
    spec('deploy-secure', ['security-scan']),
    spec('security-scan', ['docker']),
    spec('docker', ['deploy-secure']),
  ]);
  const two = failuresOf([
    spec('docker', ['deploy-secure']),
    spec('security-scan', ['docker']),
    spec('deploy-secure', ['security-scan']),
  ]);
  assert.equal(one, two);
  assert.equal(one, [{ reason: 'cycle', path: ['deploy-secure', 'security-scan', 'docker', 'deploy-secure'] }]);
});

Graph('reports a self-dependency', () => {
  assert.equal(failuresOf([spec('a', ['a'])]), [{ reason: 'cycle', path: ['a', 'a'] }]);
});

Graph('reports every problem at once: unknown deps, duplicates, cycles', () => {
  const f = failuresOf([
    spec('a', ['dockr']),
    spec('docker'),
    spec('docker', [], { source: 'config' }),
    spec('x', ['y']),
    spec('y', ['x']),
  ]);
  const reasons = f.map((x) => x.reason).sort();
  assert.equal(reasons, ['cycle', 'duplicate-task', 'unknown-task']);
  const unknown = f.find((x) => x.reason === 'unknown-task');
  assert.equal(unknown, { reason: 'unknown-task', name: 'dockr', referencedBy: 'a', suggestion: 'docker' });
  assert.equal(
    f.find((x) => x.reason === 'duplicate-task'),
    { reason: 'duplicate-task', name: 'docker', sources: ['test', 'config'] },
  );
});

Graph('selects the union of the targets subgraphs, each task once', () => {
  const g = graphOf([
    spec('deploy', ['scan', 'build']),
    spec('scan', ['build']),
    spec('build'),
    spec('update'),
    spec('audit'),
  ]);
  const s = selectTargets(g, ['deploy', 'update', 'scan']);
  assert.ok(s.ok);
  if (s.ok) assert.equal([...s.value.order], ['build', 'scan', 'deploy', 'update']);
});

Graph('an unknown target suggests the closest name', () => {
  const g = graphOf([spec('deploy-secure'), spec('docker')]);
  const s = selectTargets(g, ['deploy-secur']);
  assert.not.ok(s.ok);
  if (!s.ok) assert.equal(s.error, [{ reason: 'unknown-task', name: 'deploy-secur', suggestion: 'deploy-secure' }]);
  const far = selectTargets(g, ['completely-different']);
  if (!far.ok) assert.equal(far.error, [{ reason: 'unknown-task', name: 'completely-different' }]);
});

Graph('a one-letter unknown dependency suggests no other one-letter task, nor the task itself', () => {
  const f = failuresOf([spec('a', ['b']), spec('c')]);
  assert.equal(f, [{ reason: 'unknown-task', name: 'b', referencedBy: 'a' }]);
  const self = failuresOf([spec('build', ['buidl']), spec('test')]);
  assert.equal(self, [{ reason: 'unknown-task', name: 'buidl', referencedBy: 'build' }]);
  const typo = failuresOf([spec('deploy', ['buidl']), spec('build')]);
  assert.equal(typo, [{ reason: 'unknown-task', name: 'buidl', referencedBy: 'deploy', suggestion: 'build' }]);
});

Graph('a provider replaces the provided task when both are selected', () => {
  const g = graphOf([
    spec('docker'),
    spec('update'),
    spec('rebuild', ['update'], { provides: 'docker' }),
    spec('scan', ['docker']),
  ]);
  const s = selectTargets(g, ['update', 'rebuild', 'scan']);
  assert.ok(s.ok);
  if (!s.ok) return;
  // docker runs after rebuild (and takes its output); scan after docker.
  assert.equal(s.value.substitutes.get('docker' as never), 'rebuild');
  const order: string[] = [...s.value.order];
  assert.ok(
    order.indexOf('rebuild') < order.indexOf('docker') && order.indexOf('docker') < order.indexOf('scan'),
    order.join(','),
  );
  // Without the provider selected, docker is an ordinary task.
  const alone = selectTargets(g, ['scan']);
  assert.ok(alone.ok && alone.value.substitutes.size === 0);
});

Graph('mermaid and dot draw edges from dependency to dependent', () => {
  const g = graphOf([spec('scan', ['build']), spec('build')]);
  assert.equal(toMermaid(g), 'flowchart LR\n  n0["build"]\n  n1["scan"]\n  n0 --> n1');
  assert.equal(toDot(g), 'digraph tasks {\n  rankdir=LR;\n  "build";\n  "scan";\n  "build" -> "scan";\n}');
});

Graph('an order-only edge orders two selected tasks and pulls nothing in', () => {
  const g = graphOf([
    spec('build'),
    spec('deploy', ['build']),
    spec('audit', [], { after: ['deploy', 'gone'] }),
    spec('late', ['audit'], { after: [] }),
  ]);
  const both = selectTargets(g, ['audit', 'deploy']);
  assert.ok(both.ok);
  if (!both.ok) return;
  assert.equal([...both.value.order], ['build', 'deploy', 'audit']);
  assert.equal(both.value.deps.get('audit' as never), ['deploy']);
  const alone = selectTargets(g, ['audit']);
  assert.ok(alone.ok);
  if (alone.ok) assert.equal([...alone.value.order], ['audit'], 'deploy is not pulled in');
  // An order-only edge that would close a cycle (deploy needs what runs after it) orders nothing.
  const cyclic = graphOf([spec('a', ['b']), spec('b', [], { after: ['a'] })]);
  const r = selectTargets(cyclic, ['a', 'b']);
  assert.ok(r.ok);
  if (r.ok) assert.equal([...r.value.order], ['b', 'a']);
});

Graph.run();
