/**
 * Session recordings: the list (fetched when the recordings page asks, most logins never open
 * it) and the .cast files the player loads.
 */
import type { SondeClient } from '@sonde/client';
import type { RecordingInfo } from '@sonde/shared';
import type { Disposable } from '../lifecycle/disposable';
import { LiveResource } from './live-resource';

export class Recordings implements Disposable {
  /** Newest first, as the server sends them. */
  readonly list: LiveResource<RecordingInfo[]>;

  constructor(private readonly client: SondeClient) {
    this.list = new LiveResource(() => client.recordings());
  }

  /** The recording's metadata, fresh (its size grows while the session runs). */
  async recording(id: string): Promise<RecordingInfo> {
    const info = await this.client.recording(id);
    if (this.list.data) this.list.update((list = []) => list.map((r) => (r.id === id ? info : r)));
    return info;
  }

  /** The .cast text; a running session's recording up to its last whole line. */
  cast(id: string): Promise<string> {
    return this.client.recordingCast(id);
  }

  castUrl(id: string): string {
    return this.client.recordingCastUrl(id);
  }

  dispose(): void {
    this.list.dispose();
  }
}
