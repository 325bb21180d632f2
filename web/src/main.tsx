import { SondeClient } from '@sonde/client';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ConsoleLogin } from './api/login';
import { prefetchLinkedSession } from './api/sessions';
import { App } from './app/App';
import { colorSchemes } from './components/color-scheme';
import { BrowserHistory } from './routing/browser-history';
import { RouterContext } from './routing/RouterContext';
import { matchRoute } from './routing/routes';
import { openEarlySocket, sessionSocketUrl } from './terminal/early-sockets';
import './styles/theme.css';
import './styles/layout.css';
import './styles/terminal.css';
import './styles/tools.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

// Both live for the whole page: the client holds no credentials (the cookie does, same origin)
// and the history only listens to popstate.
// Before the first render, so no page (the login form included) flashes in the wrong scheme.
colorSchemes.snapshot();
// A deep link to a session: its terminal socket opens now, and the session is asked for beside
// "who is logged in", so its view mounts without waiting for the whole list (the view takes the
// socket; it closes unused if the link is not the user's).
const route = matchRoute(window.location.pathname);
const login = new ConsoleLogin(new SondeClient());
login.prefetch();
if (route.page === 'session') {
  openEarlySocket(sessionSocketUrl(route.id, window.location));
  prefetchLinkedSession(login.client, route.id);
}
const history = new BrowserHistory();

createRoot(root).render(
  <StrictMode>
    <RouterContext value={history}>
      <App login={login} />
    </RouterContext>
  </StrictMode>,
);
