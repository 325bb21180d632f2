import type { HttpPhase, HttpResult } from '@sonde/shared';
import { Badge, type Tone } from '../../../components/Badge';
import { formatBytes, formatMs } from '../../../components/format';

const PHASE_LABELS: Record<HttpPhase['name'], string> = {
  dns: 'DNS',
  connect: 'TCP connect',
  tls: 'TLS',
  wait: 'waiting (first byte)',
  transfer: 'transfer',
};

function codeTone(code: number): Tone {
  if (code >= 200 && code < 300) return 'ok';
  if (code >= 300 && code < 400) return 'info';
  if (code >= 400 && code < 500) return 'warn';
  return 'danger';
}

/** Status line, then where the time went as one bar split into consecutive phases. */
export function HttpCard({ result }: { result: HttpResult }) {
  const total = result.phases.reduce((sum, p) => sum + p.ms, 0);
  return (
    <>
      <div className="result-summary">
        <Badge tone={codeTone(result.httpCode)}>{result.httpCode === 0 ? 'no response' : result.httpCode}</Badge>
        {result.statusLine && <span className="mono">{result.statusLine}</span>}
      </div>
      <p className="result-meta">
        {formatMs(result.timings.totalMs)} total
        {result.remote && (
          <>
            {' '}
            · <span className="mono">{result.remote}</span>
          </>
        )}
        {' '}· {formatBytes(result.bytes)}
        {result.redirects > 0 && <> · {result.redirects} redirect(s)</>}
      </p>
      {total > 0 && (
        <>
          <div className="timing-bar" role="img" aria-label={result.phases.map((p) => `${PHASE_LABELS[p.name]} ${formatMs(p.ms)}`).join(', ')}>
            {result.phases.map((p) => (
              <span key={p.name} className={`timing-segment timing-${p.name}`} style={{ flexGrow: p.ms }} title={`${PHASE_LABELS[p.name]}: ${formatMs(p.ms)}`} />
            ))}
          </div>
          <ul className="timing-legend">
            {result.phases.map((p) => (
              <li key={p.name}>
                <span className={`timing-swatch timing-${p.name}`} />
                {PHASE_LABELS[p.name]} <span className="mono">{formatMs(p.ms)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}
