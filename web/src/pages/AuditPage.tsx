import { AUDIT_ACTIONS, type AuditEntry } from '@sonde/shared';
import { useEffect, useMemo, useState } from 'react';
import { EmptyState } from '../components/EmptyState';
import { errorText } from '../components/error-text';
import { ErrorCallout } from '../components/ErrorCallout';
import { EMPTY_AUDIT_FILTERS, auditQuery, matchesFilter, mergeEntries, type AuditFilterForm } from '../features/audit/audit-view';
import { AuditTable } from '../features/audit/AuditTable';
import { useConsoleData, useLiveUpdatesState } from '../hooks/use-console-data';
import '../styles/access.css';
import '../styles/sessions.css';

type Load = { status: 'loading' } | { status: 'ready' } | { status: 'failed'; message: string };

/**
 * Who opened, joined, drove and ended which session, shared it, ran tools, changed users and
 * policy: newest first, with new entries arriving live from the event stream. Filters (who,
 * action, target, time range, one session, run or capture) are applied by the server; live
 * entries are matched the same way here.
 */
export function AuditPage() {
  const audit = useConsoleData().audit;
  const liveState = useLiveUpdatesState();
  /** What the form holds, and what was applied (Apply, or a click on an id). */
  const [form, setForm] = useState<AuditFilterForm>(EMPTY_AUDIT_FILTERS);
  const [applied, setApplied] = useState<AuditFilterForm>(EMPTY_AUDIT_FILTERS);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const checked = useMemo(() => auditQuery(applied), [applied]);
  const query = checked.ok ? checked.query : null;
  const queryKey = JSON.stringify(query);

  useEffect(() => {
    if (!query) return;
    let current = true;
    setLoad({ status: 'loading' });
    setEntries([]);
    // Subscribed before loading: entries recorded while the page loads are merged, not lost.
    const subscription = audit.feed.on('entry', (entry) => {
      if (matchesFilter(entry, query)) setEntries((list) => mergeEntries(list, [entry], audit.viewLimit));
    });
    audit
      .tail(query)
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
    // queryKey stands for query (a new object on every render).
  }, [audit, queryKey]);

  const field = (key: Exclude<keyof AuditFilterForm, 'action'>, label: string, props: { type: string; placeholder?: string; testId: string }) => (
    <label className="field">
      <span className="field-label">{label}</span>
      <input
        type={props.type}
        data-testid={props.testId}
        placeholder={props.placeholder}
        spellCheck={false}
        value={form[key]}
        onChange={(event) => setForm({ ...form, [key]: event.target.value })}
      />
    </label>
  );
  const showId = (id: string) => {
    const next = { ...form, id };
    setForm(next);
    setApplied(next);
  };

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
      <form
        className="toolbar audit-filters"
        data-testid="audit-filters"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied(form);
        }}
      >
        {field('actor', 'Who', { type: 'search', placeholder: 'user name or id', testId: 'audit-filter-actor' })}
        <label className="field">
          <span className="field-label">Action</span>
          <select data-testid="audit-filter-action" value={form.action} onChange={(event) => setForm({ ...form, action: event.target.value as AuditFilterForm['action'] })}>
            <option value="">any action</option>
            {AUDIT_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </select>
        </label>
        {field('target', 'Target', { type: 'search', placeholder: 'e.g. web-1', testId: 'audit-filter-target' })}
        {field('since', 'From', { type: 'datetime-local', testId: 'audit-filter-since' })}
        {field('until', 'To', { type: 'datetime-local', testId: 'audit-filter-until' })}
        {field('id', 'Session, run or capture id', { type: 'search', placeholder: '32 hexadecimal characters', testId: 'audit-filter-session' })}
        <button type="submit" className="button" data-testid="audit-filter-apply">
          Apply
        </button>
        <button
          type="button"
          className="button button-secondary"
          onClick={() => {
            setForm(EMPTY_AUDIT_FILTERS);
            setApplied(EMPTY_AUDIT_FILTERS);
          }}
        >
          Clear
        </button>
        <a className="button button-secondary" data-testid="audit-export" href={audit.exportUrl(query ?? {})} download>
          Export JSON lines
        </a>
      </form>
      {!checked.ok && <p className="form-error" data-testid="audit-filter-error">{checked.error}</p>}
      <ErrorCallout message={load.status === 'failed' ? load.message : null} testId="audit-error" />
      {checked.ok && load.status === 'loading' && entries.length === 0 && <EmptyState title="Loading the audit trail…" />}
      {checked.ok && load.status === 'ready' && entries.length === 0 && <EmptyState title={queryKey === '{}' ? 'Nothing recorded yet' : 'Nothing matches these filters'} />}
      {entries.length > 0 && <AuditTable entries={entries} onIdClick={showId} />}
    </article>
  );
}
