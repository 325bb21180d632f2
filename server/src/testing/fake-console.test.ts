import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeEngine } from '../engine/fake-engine.js';
import { NO_DOCKER, startFakeConsole } from './fake-console.js';

/**
 * The unit tier's route tests must never touch Docker: the fake is the only engine, and a whole
 * session (HTTP, WebSocket, toolbox, recording, network-state probes) opens no socket at all.
 */
describe('a console on the fake engine', () => {
  afterEach(() => vi.restoreAllMocks());

  it('uses the fake as its only engine and connects to nothing, Docker included', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const sonde = await startFakeConsole();
    try {
      expect(sonde.app.engine).toBeInstanceOf(FakeEngine);
      expect(sonde.app.engine).toBe(sonde.engine);
      expect(sonde.config.dockerHost).toBe(NO_DOCKER);
      sonde.engine.addContainer({ name: 'web' });

      const created = await sonde.call('POST', '/api/sessions', sonde.admin, { target: { kind: 'container', container: 'web' } });
      expect(created.status).toBe(201);
      const term = await sonde.terminal(created.body.ttyPath, sonde.admin);
      term.send('echo no docker here\r');
      await term.waitFor(/no docker here\r\n/);
      term.send('exit\r');
      expect((await term.waitClosed()).code).toBe(4000);
      expect((await sonde.call('GET', '/api/health', {})).body).toEqual({ status: 'ok', docker: { reachable: true, version: '28.0.0-fake' } });
      // The engine was used (the session, the namespace snapshots) and only the fake answered.
      expect(sonde.engine.calls).toEqual(expect.arrayContaining(['startToolbox', 'runToCompletion', 'removeContainer']));
    } finally {
      await sonde.close();
    }
    expect(connect).not.toHaveBeenCalled();
  });
});
