import { ApiTokensSection } from '../features/admin/ApiTokensSection';
import { PolicySection } from '../features/admin/PolicySection';
import { UsersSection } from '../features/admin/UsersSection';
import type { AdminSection } from '../routing/routes';
import { routePath } from '../routing/routes';
import { Link } from '../routing/RouterContext';
import '../styles/access.css';

const SECTIONS: ReadonlyArray<{ section: AdminSection; label: string }> = [
  { section: 'users', label: 'Users' },
  { section: 'tokens', label: 'API tokens' },
  { section: 'policy', label: 'Target policy' },
];

/** Users, API tokens and the target policy (admins only; the server refuses everyone else). */
export function AdminPage({ section }: { section: AdminSection }) {
  return (
    <article className="detail-page admin-page" data-testid="admin-page">
      <header className="detail-header">
        <h1 className="detail-title">Admin</h1>
      </header>
      <nav className="admin-tabs" aria-label="Admin sections">
        {SECTIONS.map((entry) => (
          <Link
            key={entry.section}
            to={routePath({ page: 'admin', section: entry.section })}
            className={`admin-tab${entry.section === section ? ' is-active' : ''}`}
            aria-current={entry.section === section ? 'page' : undefined}
            data-testid={`admin-tab-${entry.section}`}
          >
            {entry.label}
          </Link>
        ))}
      </nav>
      {section === 'users' && <UsersSection />}
      {section === 'tokens' && <ApiTokensSection />}
      {section === 'policy' && <PolicySection />}
    </article>
  );
}
