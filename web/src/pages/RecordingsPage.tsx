import { useEffect } from 'react';
import { EmptyState } from '../components/EmptyState';
import { RecordingDetail } from '../features/recordings/RecordingDetail';
import { RecordingTable } from '../features/recordings/RecordingTable';
import { useConsoleData, useRecordingList } from '../hooks/use-console-data';
import '../styles/recordings.css';

/** While a listed recording is still being written, the list is refreshed this often (sizes grow, it ends). */
const LIVE_REFRESH_MS = 5000;

/** Every recorded session, newest first; with `selectedId`, that recording's player above the list. */
export function RecordingsPage({ selectedId }: { selectedId: string | null }) {
  const data = useConsoleData().recordings;
  const list = useRecordingList();
  const recordings = list.status === 'ready' ? list.data : [];
  const anyLive = recordings.some((r) => !r.endedAt);

  useEffect(() => {
    void data.list.refresh();
  }, [data, selectedId]);

  useEffect(() => {
    if (!anyLive) return;
    const timer = setInterval(() => void data.list.refresh(), LIVE_REFRESH_MS);
    return () => clearInterval(timer);
  }, [data, anyLive]);

  return (
    <article className="detail-page recordings-page" data-testid="recordings-page">
      <header className="detail-header">
        <h1 className="detail-title">Recordings</h1>
        <p className="detail-subtitle">
          Every shell session is recorded as an asciicast v2 file: replay it here, or download it for <code>asciinema play</code>.
        </p>
      </header>
      {selectedId && <RecordingDetail key={selectedId} id={selectedId} listed={recordings.find((r) => r.id === selectedId)} />}
      {list.status === 'loading' && <p className="muted">Loading recordings…</p>}
      {list.status === 'failed' && <p className="callout callout-danger">Could not load the recordings: {list.error.message}</p>}
      {list.status === 'ready' && list.refreshError && <p className="callout callout-danger">Could not refresh the list: {list.refreshError.message}</p>}
      {list.status === 'ready' && recordings.length === 0 && (
        <EmptyState title="No recordings yet">
          <p>Open a shell on a container, a network or the host; its recording appears here.</p>
        </EmptyState>
      )}
      {recordings.length > 0 && <RecordingTable recordings={recordings} selectedId={selectedId} />}
    </article>
  );
}
