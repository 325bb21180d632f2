import type { RecordingInfo } from '@sonde/shared';
import { Badge } from '../../components/Badge';
import { Time } from '../../components/Time';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { recordingDuration, recordingSize, recordingStatus } from './recording-labels';

/** Every recorded session, newest first, each linking to its player. */
export function RecordingTable({ recordings, selectedId }: { recordings: readonly RecordingInfo[]; selectedId: string | null }) {
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
              <td>
                <Time iso={recording.startedAt} />
              </td>
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
