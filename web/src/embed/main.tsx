import { SondeClient } from '@sonde/client';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { EmbedApp } from './EmbedApp';
import { embedToken, embedView } from './embed-location';
import '../styles/theme.css';
import '../styles/terminal.css';
import '../styles/tools.css';
import './embed.css';

const root = document.getElementById('root');
if (!root) throw new Error('embed.html has no #root element');

// The embed token is the only credential here: every request carries it as a bearer token
// (never the browser's login cookie: the client omits credentials when it has a token), and the
// terminal socket offers it as a subprotocol.
const view = embedView(window.location.pathname);
const token = embedToken(window.location.hash);

createRoot(root).render(
  <StrictMode>
    <EmbedApp view={view} token={token} client={token ? new SondeClient({ token }) : null} />
  </StrictMode>,
);
