import type { SondeClient } from '@sonde/client';
import { SondeApiError } from '@sonde/client';
import type { SessionInfo } from '@sonde/shared';
import { describe, expect, it, vi } from 'vitest';
import { deferred } from '../testing/deferred';
import { prefetchLinkedSession, Sessions } from './sessions';

function session(id: string): SessionInfo {
  return {
    id,
    target: { kind: 'host', engine: 'local' },
    state: 'running',
    createdAt: '2026-12-07T00:00:00.000Z',
    toolbox: { containerId: `c-${id}`, image: 'sonde-toolbox:latest' },
    clients: 0,
    owner: { id: 'u1', name: 'admin' },
    participants: [],
    ttyPath: `/api/sessions/${id}/tty`,
  };
}

/** The list answers when `answerList` is called; the one session at once (or refused). */
function fakeClient(one: () => Promise<SessionInfo>) {
  const list = deferred<SessionInfo[]>();
  const calls = {
    sessions: vi.fn(() => list.promise),
    session: vi.fn(one),
  };
  // Only the methods above are called; the rest of the client is not needed here.
  return { client: calls as unknown as SondeClient, calls, answerList: list.resolve };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('a deep link’s session, asked for before the list', () => {
  it('is shown while the list is on its way, and the list replaces it', async () => {
    const fake = fakeClient(() => Promise.resolve(session('s1')));
    prefetchLinkedSession(fake.client, 's1');
    const sessions = new Sessions(fake.client);
    void sessions.refresh();
    await settle();
    expect(fake.calls.session).toHaveBeenCalledWith('s1', { expectUnauthorized: true });
    expect(sessions.list.data?.map((s) => s.id)).toEqual(['s1']);
    fake.answerList([session('s0'), session('s1')]);
    await settle();
    expect(sessions.list.data?.map((s) => s.id)).toEqual(['s0', 's1']);
    expect(fake.calls.sessions).toHaveBeenCalledTimes(1);
  });

  it('is taken once, and a refusal shows nothing: the list decides', async () => {
    const refused = fakeClient(() => Promise.reject(new SondeApiError(401, 'UNAUTHORIZED', 'Log in first')));
    prefetchLinkedSession(refused.client, 's1');
    const first = new Sessions(refused.client);
    void first.refresh();
    await settle();
    expect(first.list.getSnapshot().status).toBe('loading');

    const later = fakeClient(() => Promise.resolve(session('s1')));
    const second = new Sessions(later.client);
    void second.refresh();
    await settle();
    expect(later.calls.session).not.toHaveBeenCalled();
    expect(second.list.getSnapshot().status).toBe('loading');
  });

  it('a share guest is shown only the session its link opens', async () => {
    const fake = fakeClient(() => Promise.resolve(session('other')));
    prefetchLinkedSession(fake.client, 'other');
    const guest = new Sessions(fake.client, 'shared');
    await settle();
    expect(guest.list.getSnapshot().status).toBe('loading');
  });
});
