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

  /**
   * The container a session's shell runs in, as the server says. With toolbox reuse that is a
   * toolbox started for an earlier session of the same user (and labelled with that one's id).
   */
  async toolboxOf(id: string): Promise<string> {
    return (await this.session(id)).toolbox.containerId;
  }

  /**
   * Ends the running sessions `matches` picks (ones earlier specs left open), so a test that
   * watches a toolbox come and go gets one of its own rather than sharing a reused one.
   */
  async endSessionsWhere(matches: (session: SessionInfo) => boolean): Promise<void> {
    for (const session of await this.sessions()) {
      if (session.state !== 'exited' && matches(session)) await this.endSession(session.id);
    }
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
