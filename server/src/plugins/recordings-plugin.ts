import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { SessionRecorder } from '../recordings/session-recorder.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Session recordings: a cast and an input trail per shell session (SONDE_DATA_DIR/recordings). */
    recordings: SessionRecorder;
  }
}

/**
 * Records every shell session from its first byte. Closes after the sessions ended (they end in
 * preClose) and before the database: every recording is finished and marked complete first.
 */
async function recordingsPlugin(app: FastifyInstance): Promise<void> {
  const { config } = app;
  const recordings = new SessionRecorder({ db: app.db, audit: app.audit, dataDir: config.dataDir, failureMode: config.recordingFailure, log: app.log });
  app.sessions.onStarted((session) => recordings.record(session));
  app.decorate('recordings', recordings);
  app.addHook('onClose', async () => recordings.finishAll());
}

export default fp(recordingsPlugin, { name: 'sonde-recordings', dependencies: ['sonde-store', 'sonde-audit', 'sonde-workloads'] });
