import type { ThroughputResult } from '@sonde/shared';
import { linePath, niceMax, project, type PlotArea } from '../chart-geometry';
import { formatBitsPerSecond, formatBytes } from '../../../components/format';

const AREA: PlotArea = { width: 320, height: 130, left: 64, right: 8, top: 8, bottom: 20 };

/** Throughput per interval (iperf3's one-second sums) and the totals of both ends. */
export function ThroughputCard({ result }: { result: ThroughputResult }) {
  const intervals = result.intervals;
  const yMax = niceMax(Math.max(0, ...intervals.map((i) => i.bitsPerSecond)));
  const xMax = Math.max(1, ...intervals.map((i) => i.endSeconds));
  const points = project(
    intervals.map((i) => ({ x: i.endSeconds, y: i.bitsPerSecond })),
    AREA,
    xMax,
    yMax,
  );
  const baseline = AREA.height - AREA.bottom;
  const retransmits = result.sender?.retransmits;
  return (
    <>
      <div className="result-tiles">
        {result.receiver && (
          <div className="result-tile">
            <span className="result-tile-value">{formatBitsPerSecond(result.receiver.bitsPerSecond)}</span>
            <span className="result-tile-label">received</span>
          </div>
        )}
        {result.sender && (
          <div className="result-tile">
            <span className="result-tile-value">{formatBytes(result.sender.bytes)}</span>
            <span className="result-tile-label">sent{result.reverse ? ' (by the server)' : ''}</span>
          </div>
        )}
        {retransmits !== undefined && (
          <div className={`result-tile ${retransmits > 0 ? 'tone-warn' : ''}`}>
            <span className="result-tile-value">{retransmits}</span>
            <span className="result-tile-label">retransmits</span>
          </div>
        )}
      </div>
      {intervals.length > 0 && (
        <svg className="result-chart" viewBox={`0 0 ${AREA.width} ${AREA.height}`} role="img" aria-label={`Throughput over ${intervals.length} intervals`}>
          <line className="chart-axis" x1={AREA.left} y1={baseline} x2={AREA.width - AREA.right} y2={baseline} />
          <line className="chart-axis" x1={AREA.left} y1={AREA.top} x2={AREA.left} y2={baseline} />
          <text className="chart-label" x={AREA.left - 4} y={AREA.top + 8} textAnchor="end">
            {formatBitsPerSecond(yMax)}
          </text>
          <text className="chart-label" x={AREA.left - 4} y={baseline} textAnchor="end">
            0
          </text>
          <text className="chart-label" x={AREA.width - AREA.right} y={AREA.height - 4} textAnchor="end">
            {Math.round(xMax)} s
          </text>
          <path className="chart-line" d={linePath([{ x: AREA.left, y: points[0]?.y ?? baseline }, ...points])} />
          {points.map((p, i) => (
            <circle key={i} className="chart-dot" cx={p.x} cy={p.y} r={2.5}>
              <title>
                {intervals[i]!.startSeconds.toFixed(0)}–{intervals[i]!.endSeconds.toFixed(0)} s: {formatBitsPerSecond(intervals[i]!.bitsPerSecond)}
                {intervals[i]!.retransmits ? `, ${intervals[i]!.retransmits} retransmits` : ''}
              </title>
            </circle>
          ))}
        </svg>
      )}
    </>
  );
}
