// The graph of a TF.js graph model, read from its model.json: nodes, their inputs as tensor
// references ("node" or "node:k"; "^node" control inputs dropped), and a topological order.
// The converter keeps its own parsed graph private, so the head translator reads the same JSON.
import type { Attrs } from './attrs.js';

export interface TensorRef {
  node: string;
  /** output index of that node */
  index: number;
}

export interface GraphNode {
  name: string;
  op: string;
  inputs: TensorRef[];
  attr: Attrs;
}

export interface GraphDef {
  nodes: Map<string, GraphNode>;
  /** every node, inputs before consumers (ties keep the order of model.json) */
  order: GraphNode[];
  /** node name -> the nodes that read any of its outputs */
  consumers: Map<string, GraphNode[]>;
}

/** "conv1" -> {conv1, 0}; "split:1" -> {split, 1}. */
export function parseTensorRef(s: string): TensorRef {
  const m = /^(.*):(\d+)$/.exec(s);
  return m ? { node: m[1]!, index: Number(m[2]) } : { node: s, index: 0 };
}

/** The name TF.js's GraphModel.execute takes for a tensor. */
export function refName(r: TensorRef): string {
  return r.index === 0 ? r.node : `${r.node}:${r.index}`;
}

interface RawNode {
  name?: unknown;
  op?: unknown;
  input?: unknown;
  attr?: unknown;
}

export function parseGraphDef(topology: unknown, where: string): GraphDef {
  const raw = (topology as { node?: unknown } | null)?.node;
  if (!Array.isArray(raw)) throw new Error(`${where}: graph model without a node list in modelTopology`);
  const nodes = new Map<string, GraphNode>();
  for (const r of raw as RawNode[]) {
    if (typeof r?.name !== 'string' || typeof r.op !== 'string') throw new Error(`${where}: graph node without a name or op`);
    const inputs = Array.isArray(r.input) ? (r.input as string[]).filter((s) => !s.startsWith('^')).map(parseTensorRef) : [];
    nodes.set(r.name, { name: r.name, op: r.op, inputs, attr: (r.attr ?? {}) as Attrs });
  }
  for (const n of nodes.values()) {
    for (const i of n.inputs) if (!nodes.has(i.node)) throw new Error(`${where}: node "${n.name}" reads "${i.node}", which is not in the graph`);
  }
  const consumers = new Map<string, GraphNode[]>();
  for (const n of nodes.values()) {
    for (const i of n.inputs) {
      const list = consumers.get(i.node) ?? [];
      if (!list.includes(n)) list.push(n);
      consumers.set(i.node, list);
    }
  }
  return { nodes, order: topologicalOrder(nodes, where), consumers };
}

/** Depth-first post-order from the nodes in file order (iterative: graphs can be deep). */
function topologicalOrder(nodes: Map<string, GraphNode>, where: string): GraphNode[] {
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = done
  const out: GraphNode[] = [];
  for (const start of nodes.values()) {
    if (state.has(start.name)) continue;
    const stack: [GraphNode, number][] = [[start, 0]];
    state.set(start.name, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [n, k] = top;
      if (k < n.inputs.length) {
        top[1] = k + 1;
        const next = nodes.get(n.inputs[k]!.node)!;
        const s = state.get(next.name);
        if (s === 1) {
          // Cycles exist only in control flow (NextIteration -> Merge), which the head cannot run anyway.
          if (next.op === 'Merge' || n.op === 'Merge') continue;
          throw new Error(`${where}: the graph has a cycle through node "${next.name}"`);
        }
        if (s === undefined) {
          state.set(next.name, 1);
          stack.push([next, 0]);
        }
      } else {
        stack.pop();
        state.set(n.name, 2);
        out.push(n);
      }
    }
  }
  return out;
}
