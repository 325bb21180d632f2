import { describeTarget, type CaptureInfo } from '@sonde/shared';
import { Badge } from '../../components/Badge';
import { formatBytes } from '../../components/format';
import { captureProgress, captureStateText } from './capture-status';

interface CaptureTableProps {
  captures: readonly CaptureInfo[];
  now: number;
  /** Show whose each capture is (an admin sees everyone's). */
  showOwner: boolean;
  downloadUrl(id: string): string;
  onStop(id: string): void;
  onRemove(id: string): void;
}

/** Running and kept captures, newest first: progress against limits, size, download, stop, delete. */
export function CaptureTable({ captures, now, showOwner, downloadUrl, onStop, onRemove }: CaptureTableProps) {
  return (
    <table className="data-table capture-table" aria-label="Captures">
      <thead>
        <tr>
          <th>Target</th>
          <th>Filter</th>
          {showOwner && <th>Owner</th>}
          <th>Started</th>
          <th>Progress</th>
          <th>Size</th>
          <th>State</th>
          <th aria-label="Actions" />
        </tr>
      </thead>
      <tbody>
        {captures.map((capture) => {
          const running = capture.state === 'running';
          return (
            <tr key={capture.id} data-testid="capture-item" data-capture-id={capture.id} data-state={capture.state}>
              <td>
                {describeTarget(capture.target)} <span className="muted">({capture.interface})</span>
              </td>
              <td className="mono">{capture.filter || <span className="muted">all packets</span>}</td>
              {showOwner && <td>{capture.owner.name}</td>}
              <td title={capture.startedAt}>{new Date(capture.startedAt).toLocaleTimeString()}</td>
              <td data-testid="capture-item-progress">{captureProgress(capture, now)}</td>
              <td>{formatBytes(capture.bytes)}</td>
              <td>
                <Badge tone={running ? 'ok' : capture.endReason === 'failed' ? 'danger' : 'muted'}>{captureStateText(capture)}</Badge>
              </td>
              <td className="capture-item-actions">
                {running && (
                  <button type="button" className="button button-secondary" data-testid="capture-item-stop" onClick={() => onStop(capture.id)}>
                    Stop
                  </button>
                )}
                {capture.fileAvailable ? (
                  <a className="button button-secondary" data-testid="capture-item-download" href={downloadUrl(capture.id)} download>
                    Download
                  </a>
                ) : (
                  <span className="muted">file removed</span>
                )}
                <button
                  type="button"
                  className="button button-secondary"
                  data-testid="capture-item-delete"
                  title={running ? 'Stop the capture and delete its file' : 'Delete the capture and its file'}
                  onClick={() => onRemove(capture.id)}
                >
                  Delete
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
