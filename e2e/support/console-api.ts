import { isSondeApiError, SondeClient } from '@sonde/client';
import type { CreatedEmbed, CreateEmbedRequest, RunInfo, SessionInfo } from '@sonde/shared';
import { baseURL, token } from './environment.js';

/**
 * The console's HTTP API as a script (bearer token) sees it: to set up sessions for a test and
 * to check, from the server's side, what a browser did or did not manage to do. Every reply is
 * validated by @sonde/client against the shared schemas; a refusal throws SondeApiError.
 */
export class ConsoleApi {
  readonly client = new SondeClient({ baseUrl: baseURL, token });

  startContainerSession(container: string): Promise<SessionInfo> {
    return this.client.createSession({ kind: 'container', container });
  }

  /** A tool run on a container, as a script starts one. */
  startRun(tool: string, container: string, params: Record<string, string | number | boolean> = {}): Promise<RunInfo> {
    return this.client.createRun({ tool, target: { kind: 'container', container }, params });
  }

  run(id: string): Promise<RunInfo> {
    return this.client.run(id);
  }

  /** An embed token and the page URL a dashboard frames. */
  createEmbed(request: CreateEmbedRequest): Promise<CreatedEmbed> {
    return this.client.createEmbed(request);
  }

  session(id: string): Promise<SessionInfo> {
    return this.client.session(id);
  }

  sessions(): Promise<SessionInfo[]> {
    return this.client.sessions();
  }

  /** For cleanup: a session the test already ended counts as ended. */
  async endSession(id: string): Promise<void> {
    try {
      await this.client.endSession(id);
    } catch (error) {
      if (!isSondeApiError(error, 404)) throw error;
    }
  }
}
