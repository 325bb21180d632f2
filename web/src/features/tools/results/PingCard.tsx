import type { PingResult } from '@sonde/shared';
import { linePath, niceMax, project, type PlotArea } from '../chart-geometry';
import { formatMs } from '../../../components/format';

const AREA: PlotArea = { width: 320, height: 120, left: 44, right: 8, top: 8, bottom: 20 };

/** Round-trip time per reply; sequence numbers with no reply are marked as lost on the axis. */
function RttChart({ result }: { result: PingResult }) {
  const replies = result.replies;
  if (replies.length === 0) return null;
  const maxSeq = Math.max(result.transmitted, ...replies.map((r) => r.seq));
  const yMax = niceMax(Math.max(...replies.map((r) => r.timeMs)));
  const points = project(
    replies.map((r) => ({ x: r.seq, y: r.timeMs })),
    AREA,
    Math.max(maxSeq, 2),
    yMax,
    1,
  );
  const answered = new Set(replies.map((r) => r.seq));
  const lost = Array.from({ length: maxSeq }, (_, i) => i + 1).filter((seq) => !answered.has(seq));
  const lostX = project(
    lost.map((seq) => ({ x: seq, y: 0 })),
    AREA,
    Math.max(maxSeq, 2),
    yMax,
    1,
  );
  const baseline = AREA.height - AREA.bottom;
  return (
    <svg className="result-chart" viewBox={`0 0 ${AREA.width} ${AREA.height}`} role="img" aria-label={`Round-trip times of ${replies.length} replies`}>
      <line className="chart-axis" x1={AREA.left} y1={baseline} x2={AREA.width - AREA.right} y2={baseline} />
      <line className="chart-axis" x1={AREA.left} y1={AREA.top} x2={AREA.left} y2={baseline} />
      <text className="chart-label" x={AREA.left - 4} y={AREA.top + 8} textAnchor="end">
        {formatMs(yMax)}
      </text>
      <text className="chart-label" x={AREA.left - 4} y={baseline} textAnchor="end">
        0
      </text>
      <text className="chart-label" x={AREA.width - AREA.right} y={AREA.height - 4} textAnchor="end">
        seq {maxSeq}
      </text>
      <path className="chart-line" d={linePath(points)} />
      {points.map((p, i) => (
        <circle key={replies[i]!.seq} className="chart-dot" cx={p.x} cy={p.y} r={2.5}>
          <title>
            seq {replies[i]!.seq}: {formatMs(replies[i]!.timeMs)}
          </title>
        </circle>
      ))}
      {lostX.map((p, i) => (
        <line key={`lost-${lost[i]}`} className="chart-lost" x1={p.x} y1={baseline - 6} x2={p.x} y2={baseline + 4}>
          <title>seq {lost[i]}: no reply</title>
        </line>
      ))}
    </svg>
  );
}

export function PingCard({ result }: { result: PingResult }) {
  return (
    <>
      <div className="result-tiles">
        <div className="result-tile">
          <span className="result-tile-value">
            {result.received}/{result.transmitted}
          </span>
          <span className="result-tile-label">replies</span>
        </div>
        <div className={`result-tile ${result.lossPercent > 0 ? 'tone-warn' : ''}`}>
          <span className="result-tile-value">{result.lossPercent}%</span>
          <span className="result-tile-label">loss</span>
        </div>
        {result.rtt && (
          <div className="result-tile">
            <span className="result-tile-value">{formatMs(result.rtt.avgMs)}</span>
            <span className="result-tile-label">
              avg ({formatMs(result.rtt.minMs)}–{formatMs(result.rtt.maxMs)})
            </span>
          </div>
        )}
      </div>
      {result.address && (
        <p className="result-meta">
          {result.host} is <span className="mono">{result.address}</span>
        </p>
      )}
      <RttChart result={result} />
    </>
  );
}
