/**
 * What a capture's listing, panel and status-bar item say about it: which target page it belongs
 * to, how far it is against its limits, and why it ended, in words.
 */
import type { CaptureEndReason, CaptureInfo, TargetRequest } from '@sonde/shared';

/**
 * One line telling the two packet tools apart (shown beside both). The tool prints in a terminal
 * and stops with it; a capture writes a file and keeps going while the console is open.
 */
export const CAPTURE_VS_TCPDUMP =
  'Capture packets records a pcap file you can download, and keeps running while you use the rest of the console; the tcpdump (live) tool only prints packets in a terminal while you watch it.';

/** Whether a capture runs in the target a page or session asks for (a container by id or name, a network by id or name). */
export function captureMatchesTarget(capture: CaptureInfo, target: TargetRequest): boolean {
  const on = capture.target;
  if (target.engine !== undefined && target.engine !== on.engine) return false;
  switch (target.kind) {
    case 'container':
      return on.kind === 'container' && (on.containerId === target.container || on.containerName === target.container);
    case 'network':
      return on.kind === 'network' && (on.networkId === target.network || on.networkName === target.network);
    case 'network-namespace':
      return on.kind === 'network-namespace' && (on.networkId === target.network || on.networkName === target.network);
    case 'host':
      return on.kind === 'host';
    case 'task':
      // A task resolves to its container only on the server; its page shows the container's.
      return false;
    case 'pod':
      return on.kind === 'pod' && on.namespace === target.namespace && on.pod === target.pod && (target.container === undefined || on.container === target.container);
    case 'node':
      return on.kind === 'node' && on.node === target.node;
    default: {
      const unexpected: never = target;
      return unexpected;
    }
  }
}

/** The most recently started capture of a target that still runs, else the most recent one kept. */
export function latestCaptureOf(captures: readonly CaptureInfo[], target: TargetRequest): CaptureInfo | undefined {
  const mine = captures.filter((c) => captureMatchesTarget(c, target)).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return mine.find((c) => c.state === 'running') ?? mine[0];
}

/** `m:ss` (or `h:mm:ss`) of a whole number of seconds. */
export function formatClock(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** Seconds it has run: until now while running, until it ended otherwise. */
export function captureElapsedSeconds(capture: CaptureInfo, now: number): number {
  const end = capture.endedAt ? Date.parse(capture.endedAt) : now;
  return Math.max(0, (end - Date.parse(capture.startedAt)) / 1000);
}

/** "0:12 / 1:00 · 34 / 1000 packets": elapsed time and packets against the limits. */
export function captureProgress(capture: CaptureInfo, now: number): string {
  const time = `${formatClock(captureElapsedSeconds(capture, now))} / ${formatClock(capture.limits.seconds)}`;
  return `${time} · ${capture.packets} / ${capture.limits.packets} packets`;
}

const END_REASONS: Record<CaptureEndReason, string> = {
  stopped: 'stopped',
  packets: 'reached its packet limit',
  bytes: 'reached its size limit',
  seconds: 'reached its time limit',
  unwatched: 'ended: you left the console',
  exited: 'tcpdump exited',
  failed: 'failed',
  'target-stopped': 'its target stopped',
  shutdown: 'the console shut down',
  'engine-lost': 'its engine was lost',
  'access-revoked': 'its owner lost access',
  policy: 'the target policy no longer allows it',
};

/** "running", or why it ended (with tcpdump's error when it failed). */
export function captureStateText(capture: CaptureInfo): string {
  if (capture.state === 'running') return 'running';
  const why = capture.endReason ? END_REASONS[capture.endReason] : 'ended';
  return capture.error ? `${why}: ${capture.error}` : why;
}
