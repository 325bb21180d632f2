import { PassThrough } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CaptureInfo, CaptureList, CreateCaptureRequest, ErrorBody, ErrorCode, describeTarget, type CapturePacketsEvent, type PacketLine } from '@sonde/shared';
import { ownsOrAdmin } from '../auth/object-access.js';
import { principalOf, type Principal } from '../auth/principal.js';
import type { PacketCapture } from '../captures/packet-capture.js';
import { ApiError } from '../http/api-error.js';

const CaptureParams = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }) });
/** `remove=true`: besides stopping it, forget the capture and delete its file. */
const DeleteCaptureQuery = Type.Object({ remove: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) }, { additionalProperties: false });

/** The live feed sends decoded lines in batches: at most this many per batch, one batch per interval. */
const FEED_INTERVAL_MS = 250;
const FEED_MAX_LINES = 200;

/**
 * Packet captures (docs/api.md, "Packet captures"). A capture belongs to whoever started it:
 * only they and admins list, read, stream, download or stop it; to anyone else it does not exist
 * (404). Host captures are admin-only (on the host's lo they carry the console's own secrets).
 * The live streams are held for their principal and end when its access does.
 */
export const captureRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { captures, policy, audit, live, config } = app;

  const notFound = (id: string) => new ApiError(404, ErrorCode.CaptureNotFound, `There is no capture ${id}.`);
  function owned(principal: Principal, id: string): PacketCapture {
    const capture = captures.get(id);
    if (!capture || !ownsOrAdmin(principal, capture)) throw notFound(id);
    return capture;
  }

  /** Counts the principal's open streams against its cap, and ends the stream when its access does. */
  const holdStream = (principal: Principal, end: () => void) => live.addStream(principal, end, config.perUser.streams);

  app.post(
    '/api/captures',
    { config: { access: 'operator' }, schema: { body: CreateCaptureRequest, response: { 201: CaptureInfo, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const capture = await captures.start(request.body, principal, (target, context) => policy.check(principal.role, target, context));
      audit.record({ actor: principal, action: 'capture-started', sessionId: capture.id, target: describeTarget(capture.target), detail: { ...request.body } as Record<string, unknown> });
      return reply.code(201).send(capture.info());
    },
  );

  app.get('/api/captures', { config: { access: 'operator' }, schema: { response: { 200: CaptureList } } }, async (request) => {
    const principal = principalOf(request);
    return captures
      .list()
      .filter((c) => ownsOrAdmin(principal, c))
      .map((c) => c.info());
  });

  app.get('/api/captures/:id', { config: { access: 'operator' }, schema: { params: CaptureParams, response: { 200: CaptureInfo } } }, async (request) =>
    owned(principalOf(request), request.params.id).info(),
  );

  app.delete('/api/captures/:id', { config: { access: 'operator' }, schema: { params: CaptureParams, querystring: DeleteCaptureQuery } }, async (request, reply) => {
    const principal = principalOf(request);
    const capture = owned(principal, request.params.id);
    await captures.end(request.params.id);
    if (request.query.remove === 'true' && captures.discardEnded(capture.id)) {
      const info = capture.info();
      audit.record({ actor: principal, action: 'capture-removed', sessionId: capture.id, target: describeTarget(capture.target), detail: { packets: info.packets, bytes: info.bytes, owner: info.owner.name } });
    }
    return reply.code(204).send();
  });

  app.get('/api/captures/:id/pcap', { config: { access: 'operator' }, schema: { params: CaptureParams } }, async (request, reply) => {
    const principal = principalOf(request);
    const capture = owned(principal, request.params.id);
    if (!capture.fileAvailable) throw new ApiError(404, ErrorCode.CaptureNotFound, `The file of capture ${capture.id} was removed (captures are kept for an hour).`);
    const running = capture.state === 'running';
    const stream = capture.openPcapStream();
    const forget = holdStream(principal, () => stream.destroy());
    const done = () => {
      forget();
      stream.destroy();
    };
    reply.raw.once('close', done);
    stream.once('close', done);
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
    const principal = principalOf(request);
    const capture = owned(principal, request.params.id);
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
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      clearInterval(heartbeat);
      offLine();
      offEnded();
      forget();
      feed.end();
    };
    const forget = holdStream(principal, close);
    const offLine = capture.onLine((line) => {
      if (pending.length < FEED_MAX_LINES) pending.push(line);
      else skipped += 1;
    });
    const timer = setInterval(flush, FEED_INTERVAL_MS);
    const heartbeat = setInterval(() => feed.write(': keep-alive\n\n'), 15_000);
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
