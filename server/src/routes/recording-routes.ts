import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ErrorBody, ErrorCode, RecordingInfo, RecordingList, isHostData } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import { atLeast } from '../auth/authenticator.js';
import { mayReadTarget } from '../auth/object-access.js';
import { principalOf, type Principal } from '../auth/principal.js';
import type { RecordingRow } from '../recordings/recording-store.js';

const RecordingParams = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }) });
const RecordingQuery = Type.Object(
  { sessionId: Type.Optional(Type.String({ pattern: '^[a-f0-9]{32}$' })) },
  { additionalProperties: false },
);

/**
 * Session recordings (docs/api.md, "Recordings"): metadata, the .cast file, the input trail.
 * Operators read recordings of the sessions they could watch; host recordings, like host
 * sessions, are for admins only, and to anyone else they do not exist (404).
 */
export const recordingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { recordings, policy } = app;
  /**
   * Admins read every recording. An operator reads what they could have watched live: no host
   * data (a host's, an overlay namespace's, a Kubernetes node's: `mayReadTarget`, the rule every
   * other route applies, whatever the policy allows them to open), nor one whose target the policy
   * refuses them (decided on what the policy read when the session started), nor one made before
   * that was kept.
   */
  const readableBy = (principal: Principal) => (row: RecordingRow) => {
    if (atLeast(principal, 'admin')) return true;
    if (!row.access || isHostData({ kind: row.targetKind }) || !mayReadTarget(principal, row.access.target)) return false;
    return policy.why(principal.role, row.access.target, row.access.scope) === undefined;
  };
  const notFound = (id: string) => new ApiError(404, ErrorCode.RecordingNotFound, `There is no recording ${id}.`);
  const gone = (id: string) => new ApiError(404, ErrorCode.RecordingNotFound, `The file of recording ${id} is gone from the recordings directory.`);

  /**
   * The first `bytes` of a file (all whole lines), or all of it when `bytes` is unknown: a file
   * still being written is served only up to the last line it finished.
   */
  async function fileStream(path: string, bytes: number | undefined, id: string): Promise<{ stream: Readable; length: number }> {
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      throw gone(id);
    }
    const length = Math.min(bytes ?? size, size);
    const stream = length === 0 ? Readable.from([]) : createReadStream(path, { start: 0, end: length - 1 });
    return { stream, length };
  }

  app.get(
    '/api/recordings',
    { config: { access: 'operator' }, schema: { querystring: RecordingQuery, response: { 200: RecordingList, '4xx': ErrorBody } } },
    async (request) => recordings.list(request.query.sessionId ? { sessionId: request.query.sessionId } : {}, readableBy(principalOf(request))),
  );

  app.get(
    '/api/recordings/:id',
    { config: { access: 'operator' }, schema: { params: RecordingParams, response: { 200: RecordingInfo, '4xx': ErrorBody } } },
    async (request) => {
      const info = recordings.get(request.params.id, readableBy(principalOf(request)));
      if (!info) throw notFound(request.params.id);
      return info;
    },
  );

  app.get('/api/recordings/:id/cast', { config: { access: 'operator' }, schema: { params: RecordingParams } }, async (request, reply) => {
    const files = recordings.files(request.params.id, readableBy(principalOf(request)));
    if (!files) throw notFound(request.params.id);
    const { stream, length } = await fileStream(files.cast.path, files.cast.bytes, request.params.id);
    reply.raw.once('close', () => stream.destroy());
    return reply
      .header('content-type', 'application/x-asciicast')
      .header('content-length', String(length))
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', `attachment; filename="sonde-${files.sessionId}.cast"`)
      .send(stream);
  });

  app.get('/api/recordings/:id/input', { config: { access: 'admin' }, schema: { params: RecordingParams } }, async (request, reply) => {
    const files = recordings.files(request.params.id, readableBy(principalOf(request)));
    if (!files) throw notFound(request.params.id);
    const { stream, length } = await fileStream(files.input.path, files.input.bytes, request.params.id);
    reply.raw.once('close', () => stream.destroy());
    return reply
      .header('content-type', 'application/jsonl; charset=utf-8')
      .header('content-length', String(length))
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', `attachment; filename="sonde-${files.sessionId}.input.jsonl"`)
      .send(stream);
  });
};
