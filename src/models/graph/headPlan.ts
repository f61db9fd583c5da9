// Which nodes of a graph model form the head when it is split at a chosen node, and where each of
// their inputs comes from: the filtered features (through other head nodes), a tensor computed
// before the chosen node (a skip connection, produced by the backbone), a constant, or a
// parameter (weights, shapes, axes) the translation reads once. Only data edges are followed, so
// a Shape -> Pack -> Reshape chain (Keras' Flatten) is not mistaken for part of the head.
import { refName, type GraphNode, type TensorRef } from './graphDef.js';
import type { GraphInfo } from './graphInfo.js';
import { parameterInputs } from './opInputs.js';
import type { InputRole } from './translateNode.js';

export interface HeadPlan {
  /** head nodes in topological order (the chosen node excluded) */
  headNodes: GraphNode[];
  /** per head node, per input: its role, or 'param' */
  roles: Map<string, (InputRole | 'param')[]>;
  /** tensors before the chosen node that the head reads (backbone outputs besides the features) */
  sideRefs: string[];
  /** non-Const tensors whose constant value the head needs (taken from a reference run) */
  constRefs: Set<string>;
}

export function planHead(info: GraphInfo, layerName: string, out: TensorRef): HeadPlan {
  const { graph, where } = info;
  // Nodes reached from the chosen node through data inputs (parameters such as shapes are not data).
  const params = new Map<string, Set<number>>();
  const paramsOf = (n: GraphNode) => {
    let p = params.get(n.name);
    if (!p) params.set(n.name, (p = parameterInputs(n)));
    return p;
  };
  const downstream = new Set<string>([layerName]);
  for (const n of graph.order) {
    if (n.name === layerName) continue;
    const p = paramsOf(n);
    if (n.inputs.some((r, i) => !p.has(i) && downstream.has(r.node))) downstream.add(n.name);
  }
  if (out.node === layerName) throw new Error(`${where}: nothing follows layer "${layerName}" but a softmax; choose an earlier layer`);
  if (!downstream.has(out.node)) {
    throw new Error(`${where}: layer "${layerName}" does not lead to the model's output; choose a layer before the output`);
  }
  const needed = new Set<string>([out.node]);
  for (let k = graph.order.length - 1; k >= 0; k--) {
    const n = graph.order[k]!;
    if (!needed.has(n.name) || n.name === layerName) continue;
    const p = paramsOf(n);
    n.inputs.forEach((r, i) => {
      if (!p.has(i) && downstream.has(r.node)) needed.add(r.node);
    });
  }
  const headNodes = graph.order.filter((n) => needed.has(n.name) && n.name !== layerName);

  // Roles of every input, and what the reference run must produce.
  const sideRefs: string[] = [];
  const constRefs = new Set<string>();
  const roles = new Map<string, (InputRole | 'param')[]>();
  for (const n of headNodes) {
    const p = paramsOf(n);
    roles.set(
      n.name,
      n.inputs.map((r, i) => {
        if (downstream.has(r.node) && r.index !== 0) {
          throw new Error(`${where}: node "${n.name}" reads output ${r.index} of "${r.node}"; nodes with several outputs are not supported in the head`);
        }
        if (p.has(i)) {
          if (downstream.has(r.node)) throw new Error(`${where}: node "${n.name}" (${n.op}) takes its weights or shape from the chosen layer's output, which the head cannot do`);
          if (graph.nodes.get(r.node)!.op !== 'Const') constRefs.add(refName(r));
          return 'param';
        }
        if (downstream.has(r.node)) return 'dyn';
        if (info.imageDependent.has(r.node)) {
          if (!sideRefs.includes(refName(r))) sideRefs.push(refName(r));
          return 'side';
        }
        if (graph.nodes.get(r.node)!.op !== 'Const') constRefs.add(refName(r));
        return 'static';
      }),
    );
  }

  return { headNodes, roles, sideRefs, constRefs };
}
