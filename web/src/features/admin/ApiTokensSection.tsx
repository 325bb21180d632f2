import { ROLES, type CreatedApiToken, type Role } from '@sonde/shared';
import { useEffect, useState, type FormEvent } from 'react';
import { CopyField } from '../../components/CopyField';
import { ErrorCallout } from '../../components/ErrorCallout';
import { usePendingAction } from '../../components/use-pending-action';
import { useApiTokens, useConsoleData } from '../../hooks/use-console-data';

const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/;

/** Named API tokens for scripts and CI: create (the secret is shown once), list, revoke. */
export function ApiTokensSection() {
  const data = useConsoleData();
  const tokens = useApiTokens();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const creating = usePendingAction();
  const revoking = usePendingAction();
  const error = creating.error ?? revoking.error;

  useEffect(() => {
    void data.admin.apiTokens.refresh();
  }, [data]);

  const nameProblem = name && !TOKEN_NAME.test(name) ? 'Letters, digits, spaces, . _ and -, starting with a letter or digit.' : null;

  const create = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!name || nameProblem) return;
    creating.run(
      () => data.admin.createApiToken({ name, role }),
      (token) => {
        setCreated(token);
        setName('');
      },
    );
  };

  const revoke = (id: string) =>
    revoking.run(
      () => data.admin.revokeApiToken(id),
      () => {
        if (created?.id === id) setCreated(null);
      },
    );

  return (
    <section aria-labelledby="tokens-heading">
      <h2 id="tokens-heading" className="section-title">
        API tokens
      </h2>
      <p className="muted">
        For scripts and CI: send <code>Authorization: Bearer &lt;token&gt;</code>. Revoking a token closes everything opened
        with it.
      </p>
      <ErrorCallout message={error} testId="admin-error" />
      {created && (
        <div className="share-created" data-testid="token-created">
          <span className="field-label">
            Token “{created.name}” ({created.role}). Copy it now: it is not shown again.
          </span>
          <CopyField value={created.token} label="API token" testId="token-secret" copyTestId="token-copy" />
        </div>
      )}
      {tokens.status === 'loading' && <p className="muted">Loading…</p>}
      {tokens.status === 'failed' && <p className="callout callout-danger">{tokens.error.message}</p>}
      {tokens.status === 'ready' &&
        (tokens.data.length === 0 ? (
          <p className="muted">No named tokens yet.</p>
        ) : (
          <table className="data-table" data-testid="tokens-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Role</th>
                <th>Created</th>
                <th>Last used</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((token) => (
                <tr key={token.id} data-testid="token-row" data-name={token.name}>
                  <td>{token.name}</td>
                  <td>{token.role}</td>
                  <td title={token.createdAt}>
                    {new Date(token.createdAt).toLocaleDateString()} by {token.createdBy}
                  </td>
                  <td title={token.lastUsedAt}>{token.lastUsedAt ? new Date(token.lastUsedAt).toLocaleString() : 'never'}</td>
                  <td>
                    <button type="button" className="button button-secondary button-small" data-testid="token-revoke" onClick={() => revoke(token.id)}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      <form className="admin-form" onSubmit={create} data-testid="token-create-form">
        <h3 className="section-title">Create a token</h3>
        <div className="form-row">
          <label className="field">
            <span className="field-label">Name</span>
            <input
              type="text"
              autoComplete="off"
              maxLength={64}
              placeholder="ci-pipeline"
              data-testid="token-create-name"
              value={name}
              onChange={(event) => setName(event.target.value)}
            />
            {nameProblem && <span className="form-error">{nameProblem}</span>}
          </label>
          <label className="field">
            <span className="field-label">Role</span>
            <select data-testid="token-create-role" value={role} onChange={(event) => setRole(event.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="button button-primary" data-testid="token-create-submit" disabled={creating.pending || !name || Boolean(nameProblem)}>
            {creating.pending ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </form>
    </section>
  );
}
