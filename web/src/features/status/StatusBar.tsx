import type { ReactNode } from 'react';
import { StatusDot, type Tone } from '../../components/Badge';
import { useHealth, useLiveUpdatesState, useSessions } from '../../hooks/use-console-data';

/** One engine: as before. Several: how many answer, and which do not (the title has their errors). */
export function dockerStatus(health: ReturnType<typeof useHealth>): { text: string; tone: Tone; title?: string } {
  if (health.status === 'loading') return { text: 'Checking Docker…', tone: 'info' };
  if (health.status === 'failed') return { text: 'Sonde server unreachable', tone: 'danger' };
  const engines = health.data.engines;
  if (engines.length > 1) {
    const down = engines.filter((e) => !e.reachable);
    if (down.length === 0) return { text: `${engines.length} engines connected`, tone: 'ok' };
    const title = down.map((e) => `${e.name}: ${e.error ?? 'unreachable'}`).join('\n');
    if (down.length === engines.length) return { text: 'No engine reachable', tone: 'danger', title };
    return { text: `${down.map((e) => e.name).join(', ')} unreachable (${engines.length - down.length} of ${engines.length} engines connected)`, tone: 'warn', title };
  }
  const docker = health.data.docker;
  if (!docker.reachable) return { text: 'Docker unreachable', tone: 'danger', ...(engines[0]?.error ? { title: engines[0].error } : {}) };
  return { text: docker.version ? `Docker ${docker.version} connected` : 'Docker connected', tone: 'ok' };
}

const LIVE_UPDATES_TEXT = {
  live: 'Live updates',
  connecting: 'Connecting updates…',
  reconnecting: 'Updates reconnecting…',
} as const;

/** The bottom line: Docker, live updates, `children` (other areas' items), open sessions, how we signed in. */
export function StatusBar({ via, children }: { via: string; children?: ReactNode }) {
  const health = useHealth();
  const liveUpdates = useLiveUpdatesState();
  const sessions = useSessions();
  const docker = dockerStatus(health);
  const degraded = docker.tone === 'danger' || docker.tone === 'warn';
  // The server keeps ended sessions for a while; the count is of the ones still alive.
  const open = (sessions.status === 'ready' ? sessions.data : []).filter((s) => s.state !== 'exited').length;

  return (
    <footer
      className={`status-bar${degraded ? ' is-degraded' : ''}`}
      data-testid="status-bar"
      data-docker={docker.tone === 'danger' ? 'unreachable' : docker.tone === 'warn' ? 'degraded' : docker.tone === 'ok' ? 'connected' : 'unknown'}
    >
      <span className="status-item" data-testid="docker-status" title={docker.title}>
        <StatusDot tone={docker.tone} label={docker.text} />
        {docker.text}
      </span>
      <span className="status-item">
        <StatusDot tone={liveUpdates === 'live' ? 'ok' : 'warn'} label={LIVE_UPDATES_TEXT[liveUpdates]} />
        {LIVE_UPDATES_TEXT[liveUpdates]}
      </span>
      <span className="status-spacer" />
      {children}
      <span className="status-item" data-testid="session-count">
        {open === 1 ? '1 session' : `${open} sessions`}
      </span>
      <span className="status-item muted">signed in via {via}</span>
    </footer>
  );
}
