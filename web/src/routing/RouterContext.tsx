import { createContext, useCallback, useContext, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';
import type { BrowserHistory } from './browser-history';
import type { Route } from './routes';

export const RouterContext = createContext<BrowserHistory | null>(null);

function useHistory(): BrowserHistory {
  const history = useContext(RouterContext);
  if (!history) throw new Error('routing hooks must be used inside <RouterContext>');
  return history;
}

export function useRoute(): Route {
  const history = useHistory();
  return useSyncExternalStore(history.subscribe, history.getRoute);
}

export function useNavigate(): (path: string, options?: { replace?: boolean }) => void {
  const history = useHistory();
  return useCallback((path, options) => history.navigate(path, options), [history]);
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

/** A real <a href> (middle-click and copy-link work) that navigates in-app on a plain click. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const navigate = useNavigate();
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handleClick} {...rest} />;
}
