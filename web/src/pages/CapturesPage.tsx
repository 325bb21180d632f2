import { useEffect } from 'react';
import { EmptyState } from '../components/EmptyState';
import { CaptureTable } from '../features/captures/CaptureTable';
import { CAPTURE_VS_TCPDUMP } from '../features/captures/capture-status';
import { useCaptures, useConsoleData, usePermissions } from '../hooks/use-console-data';
import { useNow } from '../hooks/use-now';
import { useReportError } from '../hooks/use-report-error';

/** Every capture of mine (an admin: everyone's), running and kept: progress, size, download, stop, delete. */
export function CapturesPage() {
  const data = useConsoleData().captures;
  const list = useCaptures();
  const { isAdmin } = usePermissions();
  const report = useReportError();
  const captures = [...(list.status === 'ready' ? list.data : [])].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const now = useNow(captures.some((c) => c.state === 'running') ? 1000 : 0);

  useEffect(() => {
    void data.list.refresh();
  }, [data]);

  return (
    <article className="detail-page captures-page" data-testid="captures-page">
      <header className="detail-header">
        <h1 className="detail-title">Captures</h1>
        <p className="detail-subtitle">
          {CAPTURE_VS_TCPDUMP} Start one from a container's or network's page, or from a session's Tools. Ended captures and their files are kept for an hour.
        </p>
      </header>
      {list.status === 'loading' && <p className="muted">Loading captures…</p>}
      {list.status === 'failed' && <p className="callout callout-danger">Could not load the captures: {list.error.message}</p>}
      {list.status === 'ready' && captures.length === 0 && (
        <EmptyState title="No captures">
          <p>Open a container or a network and use “Capture packets”; its capture appears here while it runs and for an hour after.</p>
        </EmptyState>
      )}
      {captures.length > 0 && (
        <CaptureTable
          captures={captures}
          now={now}
          showOwner={isAdmin}
          downloadUrl={(id) => data.pcapUrl(id)}
          onStop={(id) => void data.stop(id).catch((error: unknown) => report('Could not stop the capture', error))}
          onRemove={(id) => void data.remove(id).catch((error: unknown) => report('Could not delete the capture', error))}
        />
      )}
    </article>
  );
}
