import { ROLES, type Role, type User } from '@sonde/shared';
import { useEffect, useState, type FormEvent } from 'react';
import { ErrorCallout } from '../../components/ErrorCallout';
import { Time } from '../../components/Time';
import { usePendingAction } from '../../components/use-pending-action';
import { useConsoleData, useMe, useUsers } from '../../hooks/use-console-data';

const MIN_PASSWORD = 10;

function RoleSelect({ value, onChange, testId, disabled }: { value: Role; onChange(role: Role): void; testId: string; disabled?: boolean }) {
  return (
    <select data-testid={testId} value={value} disabled={disabled} onChange={(event) => onChange(event.target.value as Role)}>
      {ROLES.map((role) => (
        <option key={role} value={role}>
          {role}
        </option>
      ))}
    </select>
  );
}

/** Users: create with a role, change the role, disable or enable, set a new password. */
export function UsersSection() {
  const data = useConsoleData();
  const users = useUsers();
  const me = useMe();
  const action = usePendingAction();
  const [notice, setNotice] = useState<string | null>(null);
  const [resetting, setResetting] = useState<string | null>(null);
  const { error } = action;

  useEffect(() => {
    void data.admin.users.refresh();
  }, [data]);

  const act = (what: string, change: () => Promise<unknown>) => {
    setNotice(null);
    action.run(change, () => setNotice(what));
  };

  return (
    <section aria-labelledby="users-heading">
      <h2 id="users-heading" className="section-title">
        Users
      </h2>
      <ErrorCallout message={error} testId="admin-error" />
      {notice && (
        <p className="callout callout-info" data-testid="admin-notice">
          {notice}
        </p>
      )}
      {users.status === 'loading' && <p className="muted">Loading…</p>}
      {users.status === 'failed' && <p className="callout callout-danger">{users.error.message}</p>}
      {users.status === 'ready' && users.data.length === 0 && (
        <p className="empty-note" data-testid="users-empty">
          No users yet. You are signed in with the bootstrap token (or an API token), which is not a user. Add people below: each
          logs in with a username and password, and their role decides what they may open.
        </p>
      )}
      {users.status === 'ready' && users.data.length > 0 && (
        <table className="data-table" data-testid="users-table">
          <thead>
            <tr>
              <th>User</th>
              <th>Role</th>
              <th>Status</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.data.map((user) => {
              const self = me?.id === `user:${user.id}`;
              return (
                <tr key={user.id} data-testid="user-row" data-username={user.username} data-disabled={user.disabled}>
                  <td>
                    {user.username}
                    {self && <span className="muted"> (you)</span>}
                  </td>
                  <td>
                    <RoleSelect
                      testId="user-role"
                      value={user.role}
                      disabled={self}
                      onChange={(role) => act(`${user.username} is now ${role}.`, () => data.admin.updateUser(user.id, { role }))}
                    />
                  </td>
                  <td>
                    <span className={`badge ${user.disabled ? 'badge-danger' : 'badge-ok'}`}>{user.disabled ? 'disabled' : 'active'}</span>
                  </td>
                  <td>
                    <Time iso={user.createdAt} />
                  </td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="button button-secondary button-small"
                      data-testid="user-toggle-disabled"
                      disabled={self}
                      title={self ? 'You cannot disable yourself' : user.disabled ? 'Allow this user to log in again' : 'Log them out everywhere and refuse new logins'}
                      onClick={() =>
                        act(`${user.username} is ${user.disabled ? 'enabled' : 'disabled'}.`, () =>
                          data.admin.updateUser(user.id, { disabled: !user.disabled }),
                        )
                      }
                    >
                      {user.disabled ? 'Enable' : 'Disable'}
                    </button>
                    <button
                      type="button"
                      className="button button-secondary button-small"
                      data-testid="user-reset-password"
                      onClick={() => setResetting(resetting === user.id ? null : user.id)}
                    >
                      Reset password
                    </button>
                    {resetting === user.id && (
                      <PasswordReset
                        user={user}
                        onDone={(password) =>
                          act(`${user.username} has a new password; their browsers were logged out.`, async () => {
                            await data.admin.updateUser(user.id, { password });
                            setResetting(null);
                          })
                        }
                      />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <CreateUserForm onCreated={(user) => setNotice(`Created ${user.username} (${user.role}).`)} />
    </section>
  );
}

function PasswordReset({ user, onDone }: { user: User; onDone(password: string): void }) {
  const [password, setPassword] = useState('');
  const tooShort = password.length < MIN_PASSWORD;
  return (
    <form
      className="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (!tooShort) onDone(password);
      }}
    >
      <input
        type="password"
        autoComplete="new-password"
        aria-label={`New password for ${user.username}`}
        placeholder={`New password (${MIN_PASSWORD}+ characters)`}
        data-testid="user-new-password"
        value={password}
        onChange={(event) => setPassword(event.target.value)}
      />
      <button type="submit" className="button button-primary button-small" data-testid="user-save-password" disabled={tooShort}>
        Set
      </button>
    </form>
  );
}

function CreateUserForm({ onCreated }: { onCreated(user: User): void }) {
  const data = useConsoleData();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const creating = usePendingAction();
  const { error } = creating;
  const busy = creating.pending;

  const usernameProblem =
    username && !/^[a-z0-9][a-z0-9._-]*$/.test(username) ? 'Lowercase letters, digits, . _ and -, starting with a letter or digit.' : null;
  const passwordProblem = password && password.length < MIN_PASSWORD ? `At least ${MIN_PASSWORD} characters.` : null;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!username || !password || usernameProblem || passwordProblem) return;
    creating.run(
      () => data.admin.createUser({ username, password, role }),
      (user) => {
        setUsername('');
        setPassword('');
        onCreated(user);
      },
    );
  };

  return (
    <form className="admin-form" onSubmit={submit} data-testid="user-create-form">
      <h3 className="section-title">Add a user</h3>
      <ErrorCallout message={error} testId="user-create-error" />
      <div className="form-row">
        <label className="field">
          <span className="field-label">User name</span>
          <input
            type="text"
            autoComplete="off"
            spellCheck={false}
            maxLength={64}
            data-testid="user-create-username"
            value={username}
            onChange={(event) => setUsername(event.target.value)}
          />
          {usernameProblem && <span className="form-error">{usernameProblem}</span>}
        </label>
        <label className="field">
          <span className="field-label">Initial password</span>
          <input
            type="password"
            autoComplete="new-password"
            data-testid="user-create-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
          {passwordProblem && <span className="form-error">{passwordProblem}</span>}
        </label>
        <label className="field">
          <span className="field-label">Role</span>
          <RoleSelect testId="user-create-role" value={role} onChange={setRole} />
        </label>
        <button
          type="submit"
          className="button button-primary"
          data-testid="user-create-submit"
          disabled={busy || !username || !password || Boolean(usernameProblem || passwordProblem)}
        >
          {busy ? 'Creating…' : 'Create user'}
        </button>
      </div>
      <p className="muted">
        viewer: browse containers and networks, watch shared sessions. operator: open shells and run tools on targets the
        policy allows. admin: everything, including this page.
      </p>
    </form>
  );
}
