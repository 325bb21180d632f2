/**
 * Changes sessions left in their targets' network namespaces (firewall, qdiscs): the list, kept
 * fresh by the `netstate` event of the event stream, a change's diff, and the revert.
 */
import type { SondeClient } from '@sonde/client';
import type { NetstateChange, NetstateChangeDetail, NetstatePending } from '@sonde/shared';
import type { Disposable } from '../lifecycle/disposable';
import { LiveResource } from './live-resource';

export class Netstate implements Disposable {
  /** Newest first, as the server sends them. */
  readonly list: LiveResource<NetstateChange[]>;
  /** Open sessions' changes so far, by session id: only what the event stream or Check now said. */
  readonly pending: LiveResource<Readonly<Record<string, NetstatePending>>>;

  constructor(private readonly client: SondeClient) {
    this.list = new LiveResource(() => client.netstateChanges());
    this.pending = new LiveResource(() => Promise.resolve(this.pending.data ?? {}));
  }

  /** An open session's diff so far, pushed by the server. */
  receivedPending(pending: NetstatePending): void {
    this.pending.update((all = {}) => ({ ...all, [pending.sessionId]: pending }));
  }

  /** "Check now": compares the session's starting snapshot with the namespace as it is. */
  async check(sessionId: string): Promise<NetstatePending> {
    const pending = await this.client.checkSessionNetstate(sessionId);
    this.receivedPending(pending);
    return pending;
  }

  /** A change the event stream announced (new, or reverted): applied at once, newest first. */
  received(change: NetstateChange): void {
    if (!this.list.data) {
      void this.list.refresh();
      return;
    }
    this.list.update((list = []) => [change, ...list.filter((c) => c.id !== change.id)].sort((a, b) => b.detectedAt.localeCompare(a.detectedAt)));
  }

  detail(id: string): Promise<NetstateChangeDetail> {
    return this.client.netstateChange(id);
  }

  /** Restores the session's starting snapshot; the answer says whether the namespace now matches it. */
  async revert(id: string): Promise<NetstateChange> {
    const change = await this.client.revertNetstate(id);
    this.received(change);
    return change;
  }

  dispose(): void {
    this.list.dispose();
    this.pending.dispose();
  }
}
