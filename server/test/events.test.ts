import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { DockerChangeEvent, SessionChangeEvent } from '@sonde/shared';
import { DockerFixtures } from './support/docker-fixtures.js';
import { startConsole, type TestConsole } from './support/test-console.js';
import { holdStream, readEvents, type ServerSentEvent } from '../src/testing/server-sent-events.js';

/** Reads server-sent events until `until` holds or the time runs out; `act` runs once the first event is in. */
async function collectEvents(url: string, headers: Record<string, string>, until: (events: ServerSentEvent[]) => boolean, act: () => Promise<void>) {
  const controller = new AbortController();
  const events: ServerSentEvent[] = [];
  const timeout = setTimeout(() => controller.abort(), 20_000);
  let acted = false;
  try {
    await readEvents(url, headers, controller.signal, events, {
      onOpen: (response) => expect(response.headers.get('content-type')).toContain('text/event-stream'),
      until: async (seen) => {
        if (!acted && seen.length > 0) {
          acted = true;
          await act();
        }
        return until(seen);
      },
    });
  } finally {
    clearTimeout(timeout);
    controller.abort();
  }
  return events;
}

describe('live events (real Docker)', () => {
  let sonde: TestConsole;
  const fixtures = new DockerFixtures();

  beforeAll(async () => {
    sonde = await startConsole();
    // The engine monitor subscribes on ready; wait until it says Docker is reachable.
    for (let i = 0; i < 100 && !sonde.app.engines.currentHealth().docker.reachable; i++) await new Promise((r) => setTimeout(r, 100));
  });

  afterAll(async () => {
    await sonde?.close();
    await fixtures.dispose();
  });

  it('streams the engine status, container changes and session changes', async () => {
    let containerId = '';
    let sessionId = '';
    const events = await collectEvents(
      `${sonde.baseUrl}/api/events`,
      sonde.auth,
      (seen) =>
        seen.some((e) => e.event === 'docker' && Value.Check(DockerChangeEvent, e.data) && e.data.id === containerId && e.data.action === 'start') &&
        seen.some((e) => e.event === 'session' && Value.Check(SessionChangeEvent, e.data) && e.data.id === sessionId),
      async () => {
        containerId = (await fixtures.container()).id;
        sessionId = (await sonde.client.createSession({ kind: 'host', engine: 'local' })).id;
      },
    );
    expect(events[0]).toEqual({
      event: 'status',
      data: { status: 'ok', docker: { reachable: true, version: expect.any(String) }, engines: [{ name: 'local', reachable: true, version: expect.any(String) }] },
    });
    expect(events).toContainEqual({ event: 'docker', data: { engine: 'local', kind: 'container', action: 'start', id: containerId } });
    expect(events).toContainEqual({ event: 'session', data: { id: sessionId, state: 'running' } });
  });

  it('refuses the event stream without credentials', async () => {
    expect((await fetch(`${sonde.baseUrl}/api/events`)).status).toBe(401);
  });

  it('forgets a stream its client dropped, and ends the open ones when the console closes', async () => {
    const before = sonde.app.openEventStreams();
    const dropped = await holdStream(`${sonde.baseUrl}/api/events`, sonde.auth);
    expect(dropped.status).toBe(200);
    await expect.poll(() => sonde.app.openEventStreams()).toBe(before + 1);
    await dropped.close();
    await expect.poll(() => sonde.app.openEventStreams(), { timeout: 5000 }).toBe(before);

    // A console of its own, closed with streams still open: close() ends them and does not wait on them.
    const other = await startConsole();
    const open = await Promise.all([0, 1, 2].map(() => fetch(`${other.baseUrl}/api/events`, { headers: other.auth })));
    const ended = open.map(async (r) => {
      const reader = r.body!.getReader();
      for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return;
    });
    await expect.poll(() => other.app.openEventStreams()).toBe(3);
    const started = Date.now();
    await other.close();
    await Promise.all(ended);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(other.app.openEventStreams()).toBe(0);
  });
});
