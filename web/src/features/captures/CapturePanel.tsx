import { CAPTURE_LIMITS, checkCaptureRequest, type CaptureInfo, type PacketLine, type TargetRequest } from '@sonde/shared';
import { useEffect, useState } from 'react';
import { ErrorCallout } from '../../components/ErrorCallout';
import { formatBytes } from '../../components/format';
import { usePendingAction } from '../../components/use-pending-action';
import { useCaptures, useConsoleData } from '../../hooks/use-console-data';
import { useNow } from '../../hooks/use-now';
import { appendLines, packetTime } from './capture-lines';
import { CAPTURE_VS_TCPDUMP, captureProgress, captureStateText, latestCaptureOf } from './capture-status';

/**
 * "Capture packets" on a container or network page and in a session's Tools drawer: a form
 * (interface, BPF filter, limits), then live packet and byte counts against the limits, a stop
 * button, the pcap download, and the decoded lines. A capture outlives this panel: it is started
 * with stopWhenUnwatched, which ends it only once its owner has closed every console tab; coming
 * back to the page picks up the target's running (or latest) capture from the captures list.
 */
export function CapturePanel({ target, blockedReason }: { target: TargetRequest; blockedReason: string | null }) {
  const data = useConsoleData();
  const listed = useCaptures();
  const now = useNow(1000);
  const [iface, setIface] = useState('eth0');
  const [filter, setFilter] = useState('');
  const [packets, setPackets] = useState(1000);
  const [seconds, setSeconds] = useState(60);
  const starting = usePendingAction();
  const { pending, error } = starting;
  /** What the feed said last (fresher than the polled list). */
  const [followed, setFollowed] = useState<CaptureInfo | null>(null);
  const [lines, setLines] = useState<PacketLine[]>([]);
  const [skipped, setSkipped] = useState(0);

  // Only our own: an admin lists everyone's, but the panel is for what we started here.
  const mine = listed.status === 'ready' ? listed.data.filter((c) => c.owner.id === data.me?.id) : [];
  const latest = latestCaptureOf(mine, target);
  const capture = followed && followed.id === latest?.id ? followed : (latest ?? null);
  const captureId = capture?.id;

  useEffect(() => {
    if (!captureId) return;
    const info = data.captures.list.data?.find((c) => c.id === captureId);
    if (!info) return;
    setLines([]);
    setSkipped(0);
    setFollowed(null);
    // Running or ended, the feed replays the last lines first; an ended one then closes.
    const feed = data.captures.follow(info, {
      onInfo: (next) => {
        setFollowed(next);
        data.captures.received(next);
      },
      onLines: (incoming, more) => {
        setLines((current) => appendLines(current, incoming));
        if (more > 0) setSkipped((n) => n + more);
      },
    });
    return () => feed.dispose();
    // Follow once per capture (not per counter update).
  }, [captureId, data]);

  const start = () => {
    const request = { target, interface: iface.trim(), filter, limits: { packets, seconds }, stopWhenUnwatched: true };
    const checked = checkCaptureRequest(request);
    if (!checked.ok) {
      starting.setError(`${checked.field.replace(/^body\./, '')} ${checked.reason}`);
      return;
    }
    starting.run(
      () => data.captures.start(request),
      () => undefined,
    );
  };

  const running = capture?.state === 'running';
  return (
    <section className="capture-panel" aria-label="Capture packets" data-testid="capture-panel">
      <h2 className="section-title">Capture packets</h2>
      <p className="muted capture-hint" data-testid="capture-hint">
        {CAPTURE_VS_TCPDUMP}
      </p>
      <form
        className="tool-form capture-form"
        data-testid="capture-form"
        onSubmit={(event) => {
          event.preventDefault();
          start();
        }}
      >
        <label>
          Interface
          <input value={iface} onChange={(e) => setIface(e.target.value)} data-testid="capture-interface" placeholder="e.g. eth0, or any" />
        </label>
        <label>
          Filter (BPF)
          <input value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="capture-filter" placeholder="e.g. icmp or port 53" />
        </label>
        <label>
          Packets
          <input type="number" min={1} max={CAPTURE_LIMITS.packets.max} value={packets} onChange={(e) => setPackets(Number(e.target.value))} />
        </label>
        <label>
          Seconds
          <input type="number" min={1} max={CAPTURE_LIMITS.seconds.max} value={seconds} onChange={(e) => setSeconds(Number(e.target.value))} />
        </label>
        <button type="submit" className="button button-primary" data-testid="capture-start" disabled={pending || running || blockedReason !== null} title={blockedReason ?? undefined}>
          {pending ? 'Starting…' : 'Start capture'}
        </button>
        <ErrorCallout message={error} />
      </form>
      {capture && (
        <div className="capture-view" data-testid="capture-view" data-state={capture.state}>
          <p>
            <span data-testid="capture-count">
              {capture.packets} packets, {formatBytes(capture.bytes)}
            </span>
            <span className="muted" data-testid="capture-progress">
              {' '}
              · {captureProgress(capture, now)} · {captureStateText(capture)}
            </span>
            {skipped > 0 && <span className="muted"> · {skipped} lines not shown (the file has them)</span>}
          </p>
          <div className="capture-actions">
            <button type="button" className="button button-danger" data-testid="capture-stop" disabled={!running} onClick={() => void data.captures.stop(capture.id)}>
              Stop
            </button>
            <a className="button button-secondary" data-testid="capture-download" href={data.captures.pcapUrl(capture.id)} download>
              Download pcap
            </a>
          </div>
          <ol className="capture-lines mono" aria-label="Captured packets">
            {lines.map((line) => (
              <li key={line.number} data-testid="capture-line">
                {packetTime(line.time)} {line.src} → {line.dst} {line.protocol} {line.info} ({line.length} B)
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
