import { SondeClient } from '@sonde/client';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ConsoleLogin } from './api/login';
import { App } from './app/App';
import { colorSchemes } from './components/color-scheme';
import { BrowserHistory } from './routing/browser-history';
import { RouterContext } from './routing/RouterContext';
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
const login = new ConsoleLogin(new SondeClient());
const history = new BrowserHistory();

createRoot(root).render(
  <StrictMode>
    <RouterContext value={history}>
      <App login={login} />
    </RouterContext>
  </StrictMode>,
);
