import { runVerdict, type DnsResult, type MtrResult, type PortState, type PortsResult, type RunInfo, type SocketsResult, type ToolInfo, type ToolResult, type Verdict } from '@sonde/shared';
import { Badge, type Tone } from '../../../components/Badge';
import { formatMs } from '../../../components/format';
import { HttpCard } from './HttpCard';
import { PingCard } from './PingCard';
import { ThroughputCard } from './ThroughputCard';

const VERDICT_WORD: Record<Verdict, string> = { ok: 'OK', warning: 'Check', failed: 'Failed' };

/** The readable side of a run: a card per result kind, or a word on why there is none. */
export function ResultCard({ run, tool }: { run: RunInfo; tool: ToolInfo | undefined }) {
  const result = run.result;
  const state = run.state === 'running' ? 'running' : result ? 'done' : 'none';
  const verdict = runVerdict(run);
  return (
    <aside className="result-card" data-testid="result-card" data-tool={run.tool} data-state={state} data-verdict={verdict?.verdict} aria-label="Result">
      {verdict && (
        <p className={`result-verdict result-verdict-${verdict.verdict}`} data-testid="result-verdict">
          <strong>{VERDICT_WORD[verdict.verdict]}</strong> {verdict.summary}
          {run.exitCode !== null && run.exitCode >= 0 && <span className="run-exit">exit {run.exitCode}</span>}
        </p>
      )}
      {run.limitReached && <p className="callout callout-info">Stopped at its {run.limitSeconds} s limit; the summary covers what it saw until then.</p>}
      {run.state === 'running' ? (
        <p className="muted">{tool?.resultKind ? 'The summary appears here when the tool finishes.' : 'Running…'}</p>
      ) : result ? (
        <>
          {result.problem && <p className="callout callout-danger">{result.problem}</p>}
          <ResultBody result={result} />
        </>
      ) : (
        <p className="muted">{tool?.resultKind ? 'Nothing to summarise: the raw output has the details.' : 'This tool has no summary; its output is the result.'}</p>
      )}
    </aside>
  );
}

function ResultBody({ result }: { result: ToolResult }) {
  switch (result.kind) {
    case 'ping':
      return <PingCard result={result} />;
    case 'dns':
      return <DnsCard result={result} />;
    case 'ports':
      return <PortsCard result={result} />;
    case 'http':
      return <HttpCard result={result} />;
    case 'mtr':
      return <MtrCard result={result} />;
    case 'throughput':
      return <ThroughputCard result={result} />;
    case 'sockets':
      return <SocketsCard result={result} />;
    default: {
      const unexpected: never = result;
      return unexpected;
    }
  }
}

function dnsTone(status: string | undefined): Tone {
  if (status === 'NOERROR') return 'ok';
  if (status === 'NXDOMAIN') return 'warn';
  return 'danger';
}

function DnsCard({ result }: { result: DnsResult }) {
  const records = result.answers.length > 0 ? result.answers : result.authority;
  return (
    <>
      <div className="result-summary">
        {result.status && <Badge tone={dnsTone(result.status)}>{result.status}</Badge>}
        {result.question && (
          <span className="mono">
            {result.question.name} {result.question.type}
          </span>
        )}
      </div>
      <p className="result-meta">
        {result.server && (
          <>
            server <span className="mono">{result.server}</span>
          </>
        )}
        {result.queryTimeMs !== undefined && <> · {result.queryTimeMs} ms</>}
        {result.flags.length > 0 && <> · flags {result.flags.join(' ')}</>}
      </p>
      {records.length === 0 ? (
        <p className="muted">{result.status === 'NOERROR' ? 'No records of this type.' : 'No answer.'}</p>
      ) : (
        <>
          {result.answers.length === 0 && <p className="muted">No answer; the authority section says:</p>}
          <table className="data-table result-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">TTL</th>
                <th scope="col">Type</th>
                <th scope="col">Data</th>
              </tr>
            </thead>
            <tbody>
              {records.map((r, i) => (
                <tr key={`${i}:${r.data}`}>
                  <td className="mono">{r.name}</td>
                  <td>{r.ttl}</td>
                  <td>{r.type}</td>
                  <td className="mono">{r.data}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

const PORT_TONES: Record<PortState, Tone> = {
  open: 'ok',
  closed: 'danger',
  filtered: 'warn',
  'open|filtered': 'info',
  'closed|filtered': 'warn',
  unfiltered: 'info',
  unknown: 'muted',
};

function PortsCard({ result }: { result: PortsResult }) {
  const open = result.entries.filter((e) => e.state === 'open').length;
  return (
    <>
      <p className="result-summary">
        <strong>{open}</strong> of {result.entries.length} open
      </p>
      <table className="data-table result-table">
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Port</th>
            <th scope="col">State</th>
            <th scope="col">Service</th>
          </tr>
        </thead>
        <tbody>
          {result.entries.map((e) => (
            <tr key={`${e.host}:${e.port}/${e.protocol}`} data-port={e.port} data-state={e.state}>
              <td className="mono" title={e.address}>
                {e.host}
              </td>
              <td className="mono">
                {e.port}/{e.protocol}
              </td>
              <td>
                <Badge tone={PORT_TONES[e.state]} {...(e.detail ? { title: e.detail } : {})}>
                  {e.state}
                </Badge>
              </td>
              <td className="muted">{e.service ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {result.notes.map((note) => (
        <p className="result-meta" key={note}>
          {note}
        </p>
      ))}
    </>
  );
}

function MtrCard({ result }: { result: MtrResult }) {
  return (
    <table className="data-table result-table">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Host</th>
          <th scope="col">Loss</th>
          <th scope="col">Sent</th>
          <th scope="col">Avg</th>
          <th scope="col">Best</th>
          <th scope="col">Worst</th>
        </tr>
      </thead>
      <tbody>
        {result.hops.map((hop) => (
          <tr key={hop.hop} className={hop.lossPercent > 0 ? 'result-row-warn' : undefined}>
            <td>{hop.hop}</td>
            <td className="mono">{hop.host}</td>
            <td>{hop.lossPercent}%</td>
            <td>{hop.sent}</td>
            <td>{formatMs(hop.avgMs)}</td>
            <td>{formatMs(hop.bestMs)}</td>
            <td>{formatMs(hop.worstMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SocketsCard({ result }: { result: SocketsResult }) {
  return (
    <>
      <p className="result-summary">
        <strong>{result.sockets.length}</strong> listening socket{result.sockets.length === 1 ? '' : 's'}
      </p>
      {!result.processesVisible && <p className="result-meta">Processes show when the toolbox shares the container’s PID namespace (“…with its processes”).</p>}
      <table className="data-table result-table">
        <thead>
          <tr>
            <th scope="col">Proto</th>
            <th scope="col">Address</th>
            <th scope="col">Port</th>
            <th scope="col">Process</th>
          </tr>
        </thead>
        <tbody>
          {result.sockets.map((s, i) => (
            <tr key={`${i}:${s.netid}:${s.localAddress}:${s.localPort}`}>
              <td>{s.netid}</td>
              <td className="mono">{s.localAddress}</td>
              <td className="mono">{s.localPort}</td>
              <td className="mono">{s.processes.map((p) => `${p.name} (${p.pid})`).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
