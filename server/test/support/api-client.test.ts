import { describe, expect, it, vi } from 'vitest';
import { apiClient, authCookie, checked, documentedStatus, refusal } from './api-client.js';
import { ErrorBody } from '@sonde/shared';

/**
 * The tests' transport is what keeps the documented success statuses checked now that the
 * tests no longer spell them out: it must fail a call that answers another 2xx. No server here.
 */
const session = {
  id: 'a'.repeat(32),
  target: { kind: 'host', engine: 'local' },
  state: 'running',
  createdAt: '2025-01-01T00:00:00.000Z',
  toolbox: { containerId: 'c1', image: 'sonde-toolbox:1' },
  clients: 0,
  owner: { id: 'token:bootstrap', name: 'bootstrap token' },
  participants: [],
  ttyPath: `/api/sessions/${'a'.repeat(32)}/tty`,
};

function answering(status: number, body?: unknown) {
  return vi.fn(async (_url: string, _init: RequestInit) => new Response(body === undefined ? null : JSON.stringify(body), { status }));
}

describe('the integration tests\' API client', () => {
  it('knows the documented success status of each kind of call', () => {
    expect(documentedStatus('POST', '/api/sessions')).toBe(201);
    expect(documentedStatus('POST', '/api/tokens')).toBe(201);
    expect(documentedStatus('DELETE', `/api/sessions/${'a'.repeat(32)}`)).toBe(204);
    expect(documentedStatus('POST', '/api/login')).toBe(204);
    expect(documentedStatus('POST', '/api/logout')).toBe(204);
    expect(documentedStatus('POST', `/api/netstate/${'b'.repeat(32)}/revert`)).toBe(200);
    expect(documentedStatus('POST', `/api/matrix/${'c'.repeat(32)}/cells`)).toBe(202);
    expect(documentedStatus('POST', '/api/matrix')).toBe(201);
    expect(documentedStatus('GET', '/api/sessions')).toBe(200);
    expect(documentedStatus('PATCH', '/api/users/u1')).toBe(200);
    expect(documentedStatus('PUT', '/api/policy')).toBe(200);
  });

  it('fails a call whose success status is not the documented one, saying which', async () => {
    const created = apiClient('http://127.0.0.1:9', { token: 't' }, answering(201, session));
    expect(await created.createSession({ kind: 'host' })).toEqual(session);

    const ok = apiClient('http://127.0.0.1:9', { token: 't' }, answering(200, session));
    const error = await refusal(ok.createSession({ kind: 'host' }));
    expect(error.cause).toBeInstanceOf(Error);
    expect(String((error.cause as Error).message)).toBe('POST /api/sessions answered 200; docs/api.md documents 201');

    await expect(apiClient('http://127.0.0.1:9', { token: 't' }, answering(200, {})).endSession('x')).rejects.toMatchObject({ status: 0 });
    await expect(apiClient('http://127.0.0.1:9', { token: 't' }, answering(204)).endSession('x')).resolves.toBeUndefined();
  });

  it('leaves refusals to the client, with the server\'s code', async () => {
    const refused = apiClient('http://127.0.0.1:9', { token: 't' }, answering(404, { error: { code: 'SESSION_NOT_FOUND', message: 'There is no session x.' } }));
    await expect(refused.session('x')).rejects.toMatchObject({ status: 404, code: 'SESSION_NOT_FOUND' });
  });

  it('sends a browser cookie, and no bearer token, for cookie credentials', async () => {
    const fetch = answering(200, []);
    await apiClient('http://127.0.0.1:9', { cookie: 'sonde_auth=abc' }, fetch).sessions();
    const headers = new Headers(fetch.mock.calls[0]?.[1].headers);
    expect(headers.get('cookie')).toBe('sonde_auth=abc');
    expect(headers.get('authorization')).toBeNull();
    expect(authCookie(['other=1; Path=/', 'sonde_auth=xyz; HttpOnly; SameSite=Strict'])).toBe('sonde_auth=xyz');
    expect(() => authCookie(undefined)).toThrow(/no sonde_auth cookie/);
  });

  it('checks a raw reply against a shared schema, naming the mismatch', () => {
    expect(checked(ErrorBody, { error: { code: 'UNAUTHORIZED', message: 'y' } }).error.code).toBe('UNAUTHORIZED');
    expect(() => checked(ErrorBody, { error: { code: 'UNAUTHORIZED' } })).toThrow(/unexpected shape at \/error/);
  });
});
