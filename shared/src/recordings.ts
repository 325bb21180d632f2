import Type, { type Static } from 'typebox';

/** One session's recording: an asciicast v2 file plus metadata in the console's database. */
export const RecordingInfo = Type.Object({
  id: Type.String(),
  sessionId: Type.String(),
  /** Human-readable target, e.g. `container web-1`, `network shop`, `host`. */
  target: Type.String(),
  startedAt: Type.String(),
  endedAt: Type.Optional(Type.String()),
  /** Size of the .cast file so far. */
  bytes: Type.Integer(),
  /** False while recording, or when writing failed (disk full): then `error` says why. */
  complete: Type.Boolean(),
  error: Type.Optional(Type.String()),
});
export type RecordingInfo = Static<typeof RecordingInfo>;
export const RecordingList = Type.Array(RecordingInfo);
