import type { RecordingInfo } from '@sonde/shared';
import { useEffect, useState } from 'react';
import { Badge } from '../../components/Badge';
import { errorText } from '../../components/error-text';
import { Time } from '../../components/Time';
import { useConsoleData } from '../../hooks/use-console-data';
import { parseCast, withSessionLength, type Cast } from './cast';
import { recordingStatus } from './recording-labels';
import { RecordingPlayer } from './RecordingPlayer';

type Loaded = { status: 'loading' } | { status: 'ready'; cast: Cast; info: RecordingInfo } | { status: 'failed'; message: string };

/** Loads one recording's .cast and plays it; says when the recording is incomplete and why. */
export function RecordingDetail({ id, listed }: { id: string; listed: RecordingInfo | undefined }) {
  const data = useConsoleData().recordings;
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });

  useEffect(() => {
    let current = true;
    Promise.all([data.recording(id), data.cast(id)])
      .then(([info, text]) => {
        if (!current) return;
        const parsed = parseCast(text);
        setLoaded(parsed.ok ? { status: 'ready', cast: withSessionLength(parsed.cast, info.startedAt, info.endedAt), info } : { status: 'failed', message: parsed.error });
      })
      .catch((error: unknown) => {
        if (current) setLoaded({ status: 'failed', message: errorText(error) });
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
        {info && (
          <span className="muted">
            <Time iso={info.startedAt} absolute />
          </span>
        )}
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
