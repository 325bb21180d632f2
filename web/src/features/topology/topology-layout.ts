/**
 * Places the map's nodes and routes its edges with elkjs (the Eclipse Layout Kernel: a
 * maintained layered layout for node-link diagrams), loaded only when a map is first drawn so
 * the rest of the console does not carry it. What comes back is plain coordinates for the SVG.
 */
import type { TopologyEdge, TopologyNode } from '@sonde/shared';
import { edgeId, layoutGraph } from './topology-graph';

export interface Point {
  x: number;
  y: number;
}

export interface PositionedMap {
  width: number;
  height: number;
  nodes: { node: TopologyNode; x: number; y: number; width: number; height: number }[];
  edges: { edge: TopologyEdge; points: Point[] }[];
}

/** The laid out graph, as elkjs returns it (only what is read here). */
interface LaidOut {
  width?: number;
  height?: number;
  children?: { id: string; x?: number; y?: number; width?: number; height?: number }[];
  edges?: { id: string; sections?: { startPoint: Point; endPoint: Point; bendPoints?: Point[] }[] }[];
}

let engine: Promise<{ layout(graph: object): Promise<LaidOut> }> | undefined;

function elk(): Promise<{ layout(graph: object): Promise<LaidOut> }> {
  engine ??= import('elkjs/lib/elk.bundled.js').then(({ default: ELK }) => new ELK());
  return engine;
}

export async function layoutTopology(nodes: readonly TopologyNode[], edges: readonly TopologyEdge[]): Promise<PositionedMap> {
  const laidOut = await (await elk()).layout(layoutGraph(nodes, edges));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edgesById = new Map(edges.map((e) => [edgeId(e), e]));
  return {
    width: Math.ceil(laidOut.width ?? 0),
    height: Math.ceil(laidOut.height ?? 0),
    nodes: (laidOut.children ?? []).flatMap((c) => {
      const node = byId.get(c.id);
      return node ? [{ node, x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 }] : [];
    }),
    edges: (laidOut.edges ?? []).flatMap((e) => {
      const edge = edgesById.get(e.id);
      const section = e.sections?.[0];
      return edge && section ? [{ edge, points: [section.startPoint, ...(section.bendPoints ?? []), section.endPoint] }] : [];
    }),
  };
}
