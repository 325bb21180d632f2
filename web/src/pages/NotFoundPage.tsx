import { EmptyState } from '../components/EmptyState';
import { Link } from '../routing/RouterContext';

/** A URL that names no page. */
export function NotFoundPage({ path }: { path: string }) {
  return (
    <EmptyState title="Page not found">
      <p>
        Nothing lives at <code>{path}</code>. <Link to="/">Back to the overview</Link>
      </p>
    </EmptyState>
  );
}

/** An admin page opened by someone who is not one (the server would refuse its data anyway). */
export function AdminOnlyPage() {
  return (
    <EmptyState title="Admins only">
      <p>
        This page is for admins. <Link to="/">Back to the overview</Link>
      </p>
    </EmptyState>
  );
}
