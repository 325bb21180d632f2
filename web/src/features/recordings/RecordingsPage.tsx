import type { RecordingInfo } from '@sonde/shared';
import { useEffect, useState } from 'react';
import { toApiError } from '../../api/live-resource';
import { useRecordingList, useRecordingsData } from '../../api/recordings-data';
import { Badge } from '../../components/Badge';
import { EmptyState } from '../../components/EmptyState';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { parseCast, type Cast } from './cast';
import { recordingDuration, recordingSize, recordingStatus } from './recording-labels';
import { RecordingPlayer } from './RecordingPlayer';
import '../../styles/recordings.css';

/** While a listed recording is still being written, the list is refreshed this often (sizes grow, it ends). */
const LIVE_REFRESH_MS = 5000;

/** Every recorded session, newest first; with `selectedId`, that recording's player above the list. */
export function RecordingsPage({ selectedId }: { selectedId: string | null }) {
  const data = useRecordingsData();
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

function RecordingTable({ recordings, selectedId }: { recordings: readonly RecordingInfo[]; selectedId: string | null }) {
  return (
    <table className="data-table recording-table" aria-label="Recordings">
      <thead>
        <tr>
          <th>Target</th>
          <th>Started</th>
          <th>Duration</th>
          <th>Size</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        {recordings.map((recording) => {
          const status = recordingStatus(recording);
          return (
            <tr
              key={recording.id}
              className={recording.id === selectedId ? 'is-active' : undefined}
              data-testid="recording-item"
              data-recording-id={recording.id}
              data-session-id={recording.sessionId}
            >
              <td>
                <Link to={routePath({ page: 'recording', id: recording.id })} title={`session ${recording.sessionId}`}>
                  {recording.target}
                </Link>
              </td>
              <td>{new Date(recording.startedAt).toLocaleString()}</td>
              <td>{recordingDuration(recording)}</td>
              <td>{recordingSize(recording)}</td>
              <td>
                {status.reason ? (
                  <span className="recording-reason" data-testid="recording-incomplete">
                    incomplete: {status.reason}
                  </span>
                ) : (
                  <Badge tone={status.tone}>{status.label}</Badge>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

type Loaded = { status: 'loading' } | { status: 'ready'; cast: Cast; info: RecordingInfo } | { status: 'failed'; message: string };

/** Loads one recording's .cast and plays it; says when the recording is incomplete and why. */
function RecordingDetail({ id, listed }: { id: string; listed: RecordingInfo | undefined }) {
  const data = useRecordingsData();
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });

  useEffect(() => {
    let current = true;
    Promise.all([data.recording(id), data.cast(id)])
      .then(([info, text]) => {
        if (!current) return;
        const parsed = parseCast(text);
        setLoaded(parsed.ok ? { status: 'ready', cast: parsed.cast, info } : { status: 'failed', message: parsed.error });
      })
      .catch((error: unknown) => {
        if (current) setLoaded({ status: 'failed', message: toApiError(error).message });
      });
    return () => {
      current = false;
    };
  }, [data, id]);

  const info = loaded.status === 'ready' ? loaded.info : listed;
  const status = info ? recordingStatus(info) : undefined;
  return (
    <section className="recording-detail" aria-label="Recording">
      <div className="detail-title-row">
        <h2 className="section-title recording-title">{info ? info.target : 'Recording'}</h2>
        {info && <span className="muted">{new Date(info.startedAt).toLocaleString()}</span>}
        {status && <Badge tone={status.tone}>{status.label}</Badge>}
      </div>
      {status?.reason && <p className="callout callout-warn">This recording is incomplete: {status.reason}. It plays up to where it stopped.</p>}
      {status?.label === 'recording' && <p className="callout callout-info">The session is still running: this plays what was recorded when you opened it.</p>}
      {loaded.status === 'loading' && <p className="muted">Loading the recording…</p>}
      {loaded.status === 'failed' && <p className="callout callout-danger">Cannot play this recording: {loaded.message}</p>}
      {loaded.status === 'ready' && (
        <>
          {loaded.cast.truncated && <p className="callout callout-warn">The last line of the file was cut off; it plays up to the line before.</p>}
          <RecordingPlayer cast={loaded.cast} downloadUrl={data.castUrl(id)} downloadName={`sonde-${loaded.info.sessionId}.cast`} />
        </>
      )}
    </section>
  );
}
