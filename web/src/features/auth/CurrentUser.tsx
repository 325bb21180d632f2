import type { Me } from '@sonde/shared';
import '../../styles/access.css';

const KIND_LABEL: Record<Me['kind'], string> = {
  user: 'user',
  token: 'API token',
  share: 'share link',
};

/** Who is signed in (name, role) and the Log out button: in the sidebar header, or the guest banner. */
export function CurrentUser({ me, onSignOut }: { me: Me; onSignOut(): void }) {
  return (
    <div className="current-user" data-testid="current-user" data-role={me.role} data-kind={me.kind}>
      <span className="current-user-name" title={`Signed in as ${KIND_LABEL[me.kind]} ${me.name}`}>
        {me.name}
      </span>
      {me.kind !== 'share' && (
        <span className="badge badge-info" data-testid="current-role" title={`Role: ${me.role}`}>
          {me.role}
        </span>
      )}
      <button type="button" className="button button-ghost button-small" data-testid="logout" onClick={onSignOut}>
        Log out
      </button>
    </div>
  );
}
