import type { TopologyNode } from '@sonde/shared';
import { forwardRef } from 'react';
import type { PositionedMap } from './topology-layout';
import { nodeLines } from './topology-graph';

/** Colours as SVG attributes (not CSS classes), so an exported file looks like the page. */
const KIND_STYLE: Record<TopologyNode['kind'], { fill: string; stroke: string }> = {
  engine: { fill: '#1e2a42', stroke: '#4c8dff' },
  network: { fill: '#12261b', stroke: '#3fb950' },
  container: { fill: '#161b25', stroke: '#8a93a6' },
  port: { fill: '#2a2113', stroke: '#d29922' },
  node: { fill: '#231a33', stroke: '#a371f7' },
};
const TEXT = '#d6dae3';
const MUTED_TEXT = '#8a93a6';
const EDGE = '#5f687b';
const MARGIN = 16;
const FONT = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace";

function strokeOf(node: TopologyNode): string {
  if (node.kind === 'engine' && node.reachable === false) return '#f85149';
  if (node.kind === 'container' && node.state !== 'running') return '#f85149';
  return KIND_STYLE[node.kind].stroke;
}

interface TopologyMapProps {
  map: PositionedMap;
  selected: string | null;
  onSelect(node: TopologyNode): void;
  /** Scaled to the width of its box instead of its natural size. */
  fit: boolean;
}

/** The laid-out map as SVG: boxes per node, polylines per edge, addresses on interface edges. */
export const TopologyMap = forwardRef<SVGSVGElement, TopologyMapProps>(function TopologyMap({ map, selected, onSelect, fit }, ref) {
  const width = map.width + MARGIN * 2;
  const height = map.height + MARGIN * 2;
  return (
    <svg
      ref={ref}
      className="topology-svg"
      data-testid="topology-map"
      viewBox={`0 0 ${width} ${height}`}
      width={fit ? '100%' : width}
      height={fit ? undefined : height}
      role="img"
      aria-label="Topology map"
      fontFamily={FONT}
      fontSize={12}
    >
      <rect x={0} y={0} width={width} height={height} fill="#0d1016" />
      <g transform={`translate(${MARGIN} ${MARGIN})`}>
        {map.edges.map(({ edge, points }) => {
          const middle = points[Math.floor((points.length - 1) / 2)]!;
          const next = points[Math.floor((points.length - 1) / 2) + 1] ?? middle;
          return (
            <g key={`${edge.kind}|${edge.from}|${edge.to}`} data-testid="topology-edge" data-kind={edge.kind}>
              <polyline points={points.map((p) => `${p.x},${p.y}`).join(' ')} fill="none" stroke={EDGE} strokeWidth={1.2} strokeDasharray={edge.kind === 'manages' || edge.kind === 'runs' ? '4 3' : undefined} />
              {edge.ipv4 && (
                <text x={(middle.x + next.x) / 2} y={(middle.y + next.y) / 2 - 3} fill={MUTED_TEXT} fontSize={10} textAnchor="middle">
                  {edge.ipv4}
                </text>
              )}
            </g>
          );
        })}
        {map.nodes.map(({ node, x, y, width: w, height: h }) => {
          const lines = nodeLines(node).filter(Boolean);
          const isSelected = node.id === selected;
          return (
            <g
              key={node.id}
              transform={`translate(${x} ${y})`}
              className="topology-node"
              data-testid="topology-node"
              data-kind={node.kind}
              data-label={node.label}
              role="button"
              tabIndex={0}
              aria-label={`${node.kind} ${node.label}`}
              aria-pressed={isSelected}
              onClick={() => onSelect(node)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' || event.key === ' ') {
                  event.preventDefault();
                  onSelect(node);
                }
              }}
            >
              <rect width={w} height={h} rx={node.kind === 'network' ? 12 : 4} fill={KIND_STYLE[node.kind].fill} stroke={isSelected ? '#f1f3f7' : strokeOf(node)} strokeWidth={isSelected ? 2.5 : 1.5} />
              {lines.map((line, index) => (
                <text key={index} x={12} y={6 + (index + 1) * 16 - 4} fill={index === 0 ? TEXT : MUTED_TEXT} fontWeight={index === 0 ? 600 : 400}>
                  {line}
                </text>
              ))}
            </g>
          );
        })}
      </g>
    </svg>
  );
});
