import type { AuditEntry } from '@sonde/shared';
import { detailFields } from './audit-view';

interface AuditTableProps {
  /** Newest first. */
  entries: readonly AuditEntry[];
  /** An id was clicked: show only the entries about that session, run or capture. */
  onIdClick(id: string): void;
}

function IdCell({ id, kind, onClick }: { id: string | undefined; kind: string; onClick(id: string): void }) {
  return (
    <td className="mono" data-testid={`audit-${kind}-id`}>
      {id && (
        <button type="button" className="link-button mono" title={`Show only ${kind} ${id}`} onClick={() => onClick(id)}>
          {id.slice(0, 8)}
        </button>
      )}
    </td>
  );
}

/** The trail as a table: time, who, action, target, the session, run and capture it is about (filter links), and details as fields. */
export function AuditTable({ entries, onIdClick }: AuditTableProps) {
  return (
    <table className="data-table audit-table" data-testid="audit-table">
      <thead>
        <tr>
          <th>Time</th>
          <th>Who</th>
          <th>Action</th>
          <th>Target</th>
          <th>Session</th>
          <th>Run</th>
          <th>Capture</th>
          <th>Details</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.seq} data-testid="audit-row" data-action={entry.action} data-seq={entry.seq}>
            <td className="mono nowrap" title={new Date(entry.at).toString()}>
              {entry.at.replace('T', ' ').slice(0, 19)} UTC
            </td>
            <td title={entry.actor} data-testid="audit-actor">
              {entry.actorName}
            </td>
            <td className="mono">{entry.action}</td>
            <td data-testid="audit-target">{entry.target ?? ''}</td>
            <IdCell id={entry.sessionId} kind="session" onClick={onIdClick} />
            <IdCell id={entry.runId} kind="run" onClick={onIdClick} />
            <IdCell id={entry.captureId} kind="capture" onClick={onIdClick} />
            <td className="audit-detail">
              {entry.detail && (
                <dl className="audit-fields" data-testid="audit-details">
                  {detailFields(entry.detail).map((field) => (
                    <div key={field.name} className="audit-field">
                      <dt>{field.name}</dt>
                      <dd className="mono">{field.value}</dd>
                    </div>
                  ))}
                </dl>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
