import { CAPTURE_LIMITS, checkCaptureRequest, type CaptureInfo, type PacketLine, type TargetRequest } from '@sonde/shared';
import { useEffect, useState } from 'react';
import { ErrorCallout } from '../../components/ErrorCallout';
import { formatBytes } from '../../components/format';
import { usePendingAction } from '../../components/use-pending-action';
import { useConsoleData } from '../../hooks/use-console-data';
import { appendLines, packetTime } from './capture-lines';

/**
 * "Capture packets" on a container or network page: a form (interface, BPF filter, limits),
 * then live packet and byte counts, a stop button, the pcap download, and the decoded lines.
 * The capture is started with stopWhenUnwatched, so leaving the page ends it.
 */
export function CapturePanel({ target, blockedReason }: { target: TargetRequest; blockedReason: string | null }) {
  const data = useConsoleData();
  const [iface, setIface] = useState('eth0');
  const [filter, setFilter] = useState('');
  const [packets, setPackets] = useState(1000);
  const [seconds, setSeconds] = useState(60);
  const starting = usePendingAction();
  const { pending, error } = starting;
  const [capture, setCapture] = useState<CaptureInfo | null>(null);
  const [lines, setLines] = useState<PacketLine[]>([]);
  const [skipped, setSkipped] = useState(0);

  useEffect(() => {
    if (!capture || capture.state !== 'running') return;
    const feed = data.captures.follow(capture, {
      onInfo: (info) => setCapture(info),
      onLines: (incoming, more) => {
        setLines((current) => appendLines(current, incoming));
        if (more > 0) setSkipped((n) => n + more);
      },
    });
    return () => feed.dispose();
    // Follow once per capture (not per counter update: onInfo replaces the object).
  }, [capture?.id, data]);

  const start = () => {
    const request = { target, interface: iface.trim(), filter, limits: { packets, seconds }, stopWhenUnwatched: true };
    const checked = checkCaptureRequest(request);
    if (!checked.ok) {
      starting.setError(`${checked.field.replace(/^body\./, '')} ${checked.reason}`);
      return;
    }
    starting.run(
      () => data.captures.start(request),
      (started) => {
        setLines([]);
        setSkipped(0);
        setCapture(started);
      },
    );
  };

  const running = capture?.state === 'running';
  return (
    <section className="capture-panel" aria-label="Capture packets" data-testid="capture-panel">
      <h2 className="section-title">Capture packets</h2>
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
            {capture.state === 'ended' && <span className="muted"> · ended ({capture.endReason}{capture.error ? `: ${capture.error}` : ''})</span>}
            {skipped > 0 && <span className="muted"> · {skipped} lines not shown (the file has them)</span>}
          </p>
          <div className="capture-actions">
            <button type="button" className="button button-danger" data-testid="capture-stop" disabled={!running} onClick={() => void data.captures.stop(capture.id).then(() => refresh(capture.id))}>
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

  async function refresh(id: string): Promise<void> {
    try {
      setCapture(await data.captures.get(id));
    } catch {
      // The feed's end event carries the same information.
    }
  }
}
