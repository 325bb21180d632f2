/** Share links of a session (owner or admin): list, create (the reply holds the secret), revoke. */
import { isSondeApiError, type SondeClient } from '@sonde/client';
import type { CreatedShare, CreateShareRequest, ShareInfo } from '@sonde/shared';

export class Shares {
  constructor(private readonly client: SondeClient) {}

  /** Revoked and expired links included. */
  list(sessionId: string): Promise<ShareInfo[]> {
    return this.client.shares(sessionId);
  }

  /** The reply holds the link's URL (its secret): shown once by the share dialog. */
  create(sessionId: string, request: CreateShareRequest): Promise<CreatedShare> {
    return this.client.createShare(sessionId, request);
  }

  /** Everyone who joined through the link is disconnected; an already gone link counts as revoked. */
  async revoke(sessionId: string, shareId: string): Promise<void> {
    try {
      await this.client.revokeShare(sessionId, shareId);
    } catch (error) {
      if (!isSondeApiError(error, 404)) throw error;
    }
  }
}
