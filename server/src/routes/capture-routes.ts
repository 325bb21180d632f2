import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CaptureInfo, CaptureList, CreateCaptureRequest, ErrorBody, ErrorCode, type CapturePacketsEvent, type PacketLine } from '@sonde/shared';
import type { AppServices } from '../app.js';
import { principalOf } from '../auth/principal.js';
import { describeTarget } from '../audit/audit-log.js';
import type { Config } from '../config.js';
import { CaptureRegistry } from '../captures/capture-registry.js';
import { ApiError } from '../http/api-error.js';

export interface CaptureRouteOptions extends AppServices {
  config: Config;
}

const CaptureParams = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }) });

/** The live feed sends decoded lines in batches: at most this many per batch, one batch per interval. */
const FEED_INTERVAL_MS = 250;
const FEED_MAX_LINES = 200;

/** Packet captures (docs/api.md, "Packet captures"). Owns the capture registry and its teardown. */
export const captureRoutes: FastifyPluginAsyncTypebox<CaptureRouteOptions> = async (app, options) => {
  const { config, monitor, engine } = options;
  const captures = new CaptureRegistry({
    engine,
    toolbox: { image: config.toolboxImage, instance: config.instance, limits: config.toolboxLimits },
    directory: path.join(config.dataDir, 'captures'),
    maxCaptures: 20,
    retentionMs: 60 * 60 * 1000,
    maxEndedFiles: 20,
    unwatchedGraceMs: 5000,
    readyTimeoutMs: 15_000,
    log: app.log,
  });
  await captures.removeStaleFiles();
  const offEvent = monitor.onEvent((event) => captures.handleEngineEvent(event));
  const offHealth = monitor.onHealth((health) => {
    if (!health.docker.reachable) captures.engineLost();
  });
  options.onClosing(() => captures.shutdown());
  app.addHook('onClose', async () => {
    offEvent();
    offHealth();
    await captures.shutdown();
  });

  const notFound = (id: string) => new ApiError(404, ErrorCode.CaptureNotFound, `There is no capture ${id}.`);
  const find = (id: string) => {
    const capture = captures.get(id);
    if (!capture) throw notFound(id);
    return capture;
  };

  app.post(
    '/api/captures',
    { config: { access: 'operator' }, schema: { body: CreateCaptureRequest, response: { 201: CaptureInfo, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const capture = await captures.create(request.body, (target, containers) => options.policy.check(principal.role, target, containers));
      options.audit.record({ actor: principal, action: 'capture-started', sessionId: capture.id, target: describeTarget(capture.info().target), detail: { ...request.body } as Record<string, unknown> });
      return reply.code(201).send(capture.info());
    },
  );

  app.get('/api/captures', { config: { access: 'operator' }, schema: { response: { 200: CaptureList } } }, async () => captures.list().map((c) => c.info()));

  app.get('/api/captures/:id', { config: { access: 'operator' }, schema: { params: CaptureParams, response: { 200: CaptureInfo } } }, async (request) => find(request.params.id).info());

  app.delete('/api/captures/:id', { config: { access: 'operator' }, schema: { params: CaptureParams } }, async (request, reply) => {
    if (!(await captures.stop(request.params.id))) throw notFound(request.params.id);
    return reply.code(204).send();
  });

  app.get('/api/captures/:id/pcap', { config: { access: 'operator' }, schema: { params: CaptureParams } }, async (request, reply) => {
    const capture = find(request.params.id);
    if (!capture.fileAvailable) throw new ApiError(404, ErrorCode.CaptureNotFound, `The file of capture ${capture.id} was removed (captures are kept for an hour).`);
    const running = capture.state === 'running';
    const release = capture.watch();
    const stream = capture.openPcapStream();
    reply.raw.once('close', () => {
      release();
      stream.destroy();
    });
    stream.once('close', release);
    reply
      .header('content-type', 'application/vnd.tcpdump.pcap')
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', `${running ? 'inline' : 'attachment'}; filename="sonde-${capture.id.slice(0, 8)}.pcap"`);
    // Finished: a plain download with its length. Running: chunked, as the file grows.
    if (!running) reply.header('content-length', String(capture.fileBytes));
    return reply.send(stream);
  });

  app.get('/api/captures/:id/events', { config: { access: 'operator' }, schema: { params: CaptureParams } }, async (request, reply) => {
    const capture = find(request.params.id);
    const feed = new PassThrough();
    const send = (event: string, data: unknown) => {
      if (!feed.writableEnded) feed.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    let pending: PacketLine[] = [];
    let skipped = 0;
    let lastCount = -1;
    const flush = () => {
      const info = capture.info();
      if (pending.length > 0 || skipped > 0) {
        const batch: CapturePacketsEvent = { lines: pending, skipped };
        send('packets', batch);
        pending = [];
        skipped = 0;
      }
      if (info.packets !== lastCount) {
        lastCount = info.packets;
        send('capture', info);
      }
    };
    const release = capture.watch();
    const offLine = capture.onLine((line) => {
      if (pending.length < FEED_MAX_LINES) pending.push(line);
      else skipped += 1;
    });
    const timer = setInterval(flush, FEED_INTERVAL_MS);
    const heartbeat = setInterval(() => feed.write(': keep-alive\n\n'), 15_000);
    const close = () => {
      clearInterval(timer);
      clearInterval(heartbeat);
      offLine();
      offEnded();
      release();
      feed.end();
    };
    const offEnded = capture.onEnded(() => {
      flush();
      send('end', capture.info());
      close();
    });
    reply.raw.once('close', close);
    send('capture', capture.info());
    lastCount = capture.info().packets;
    const recent = capture.recentLines();
    if (recent.length > 0) send('packets', { lines: recent, skipped: 0 } satisfies CapturePacketsEvent);
    reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-store').header('x-accel-buffering', 'no');
    return reply.send(feed);
  });
};
