import { ConfigError, parseConfig, type Config } from './config.js';
import { buildApp } from './app.js';
import { exposureWarning } from './http/transport-security.js';

/** A configuration error ends Sonde with exit code 2 and one line naming the variable, never a stack trace. */
function exitOnConfigError(error: unknown): void {
  if (!(error instanceof ConfigError)) return;
  process.stderr.write(`sonde: invalid configuration: ${error.message}\n`);
  process.exit(2);
}

/** Runs Sonde: parse configuration, build the app, clean up after a previous run, listen. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = parseConfig();
  } catch (error) {
    exitOnConfigError(error);
    throw error;
  }

  // buildApp reads the TLS files and connects the engines' clients, so it can fail on configuration too.
  const app = await buildApp({ config }).catch((error: unknown) => {
    exitOnConfigError(error);
    throw error;
  });

  try {
    await app.reaper.reap();
  } catch {
    app.log.warn({ engines: app.engines.names }, 'an engine is not reachable yet; Sonde will keep trying');
  }

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const base = `${config.tls ? 'https' : 'http'}://${shownHost.includes(':') && !shownHost.startsWith('[') ? `[${shownHost}]` : shownHost}:${port}/`;
  if (config.token.generated) {
    // Printed once, to the terminal only (not through the request logger), like Jupyter does.
    process.stdout.write(`\n  Sonde is running. Open this URL to log in:\n\n    ${base}?token=${config.token.value}\n\n`);
  } else {
    process.stdout.write(`\n  Sonde is running at ${base} (log in with the token in ${process.env.SONDE_TOKEN_FILE?.trim() ? 'SONDE_TOKEN_FILE' : 'SONDE_TOKEN'})\n\n`);
  }
  // Straight to stderr rather than through the logger: no log level may hide it.
  const warning = exposureWarning(config);
  if (warning) process.stderr.write(`\n${warning}\n\n`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: ending sessions and removing toolboxes');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
