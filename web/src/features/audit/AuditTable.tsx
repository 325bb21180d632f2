import type { AuditEntry } from '@sonde/shared';
import { formatDetail } from './audit-view';

interface AuditTableProps {
  /** Newest first. */
  entries: readonly AuditEntry[];
  /** A session id was clicked: show only that session's entries. */
  onSessionClick(sessionId: string): void;
}

/** The trail as a table: time, who, action, target, session (a filter link) and details as text. */
export function AuditTable({ entries, onSessionClick }: AuditTableProps) {
  return (
    <table className="data-table audit-table" data-testid="audit-table">
      <thead>
        <tr>
          <th>Time</th>
          <th>Who</th>
          <th>Action</th>
          <th>Target</th>
          <th>Session</th>
          <th>Details</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.seq} data-testid="audit-row" data-action={entry.action} data-seq={entry.seq}>
            <td className="mono nowrap" title={entry.at}>
              {new Date(entry.at).toLocaleString()}
            </td>
            <td title={entry.actor}>{entry.actorName}</td>
            <td className="mono">{entry.action}</td>
            <td>{entry.target ?? ''}</td>
            <td className="mono">
              {entry.sessionId && (
                <button
                  type="button"
                  className="link-button mono"
                  title={`Show only session ${entry.sessionId}`}
                  onClick={() => onSessionClick(entry.sessionId ?? '')}
                >
                  {entry.sessionId.slice(0, 8)}
                </button>
              )}
            </td>
            <td className="mono audit-detail">{formatDetail(entry.detail)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
