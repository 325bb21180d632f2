import type { AuditEntry } from '@sonde/shared';
import { useEffect, useState } from 'react';
import { EmptyState } from '../components/EmptyState';
import { errorText } from '../components/error-text';
import { ErrorCallout } from '../components/ErrorCallout';
import { matchesSession, mergeEntries, sessionFilter } from '../features/audit/audit-view';
import { AuditTable } from '../features/audit/AuditTable';
import { useConsoleData, useLiveUpdatesState } from '../hooks/use-console-data';
import '../styles/access.css';

type Load = { status: 'loading' } | { status: 'ready' } | { status: 'failed'; message: string };

/**
 * Who opened, joined, drove and ended which session, shared it, ran tools, changed users and
 * policy: newest first, with new entries arriving live from the event stream.
 */
export function AuditPage() {
  const audit = useConsoleData().audit;
  const liveState = useLiveUpdatesState();
  const [filterText, setFilterText] = useState('');
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const filter = sessionFilter(filterText);
  const sessionId = filter.kind === 'session' ? filter.id : null;
  const invalid = filter.kind === 'invalid';

  useEffect(() => {
    if (invalid) return;
    let current = true;
    setLoad({ status: 'loading' });
    setEntries([]);
    // Subscribed before loading: entries recorded while the page loads are merged, not lost.
    const subscription = audit.feed.on('entry', (entry) => {
      if (matchesSession(entry, sessionId)) setEntries((list) => mergeEntries(list, [entry], audit.viewLimit));
    });
    audit
      .tail(sessionId ? { sessionId } : {})
      .then((loaded) => {
        if (!current) return;
        setEntries((list) => mergeEntries(list, loaded, audit.viewLimit));
        setLoad({ status: 'ready' });
      })
      .catch((error: unknown) => {
        if (current) setLoad({ status: 'failed', message: errorText(error) });
      });
    return () => {
      current = false;
      subscription.dispose();
    };
  }, [audit, sessionId, invalid]);

  return (
    <article className="detail-page admin-page audit-page" data-testid="audit-page">
      <header className="detail-header">
        <div className="detail-title-row">
          <h1 className="detail-title">Audit trail</h1>
          <span className={`badge ${liveState === 'live' ? 'badge-ok' : 'badge-warn'}`} data-testid="audit-live">
            {liveState === 'live' ? 'live' : 'reconnecting'}
          </span>
        </div>
        <p className="detail-subtitle">Append-only: nothing here can be changed or deleted from the console.</p>
      </header>
      <div className="toolbar">
        <label className="field toolbar-grow">
          <span className="field-label">Session id</span>
          <input
            type="search"
            data-testid="audit-filter-session"
            placeholder="All sessions (paste a 32-character session id to filter)"
            spellCheck={false}
            value={filterText}
            onChange={(event) => setFilterText(event.target.value)}
          />
        </label>
        <a
          className="button button-secondary"
          data-testid="audit-export"
          href={audit.exportUrl(sessionId ? { sessionId } : {})}
          download
        >
          Export JSON lines
        </a>
      </div>
      {invalid && <p className="form-error">A session id is 32 hexadecimal characters (see the session’s URL).</p>}
      <ErrorCallout message={load.status === 'failed' ? load.message : null} testId="audit-error" />
      {load.status === 'loading' && entries.length === 0 && <EmptyState title="Loading the audit trail…" />}
      {load.status === 'ready' && entries.length === 0 && <EmptyState title="Nothing recorded yet" />}
      {entries.length > 0 && <AuditTable entries={entries} onSessionClick={setFilterText} />}
    </article>
  );
}
