import { describeTarget } from '@sonde/shared';
import { useCaptures, useConsoleData } from '../../hooks/use-console-data';
import { useNow } from '../../hooks/use-now';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { captureProgress } from './capture-status';

/** In the status bar while one of my captures runs: its target and elapsed time against its limits (several: how many). */
export function CaptureStatusItem() {
  const me = useConsoleData().me;
  const captures = useCaptures();
  const running = (captures.status === 'ready' ? captures.data : []).filter((c) => c.state === 'running' && c.owner.id === me?.id);
  const now = useNow(running.length > 0 ? 1000 : 0);
  const first = running[0];
  if (!first) return null;
  const text = running.length === 1 ? `Capturing ${describeTarget(first.target, 'short')} · ${captureProgress(first, now)}` : `${running.length} captures running`;
  return (
    <Link to={routePath({ page: 'captures' })} className="status-item status-capture" data-testid="capture-status" title="Packet captures">
      <span className="status-dot status-dot-ok" aria-hidden="true" />
      {text}
    </Link>
  );
}
