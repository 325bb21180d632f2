import Type, { type Static } from 'typebox';

/** One session's recording: an asciicast v2 file plus metadata in the console's database. */
export const RecordingInfo = Type.Object({
  id: Type.String(),
  sessionId: Type.String(),
  /** The engine the session's target was on. */
  engine: Type.String(),
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

/**
 * The first line of a .cast file (asciicast v2, https://docs.asciinema.org/manual/asciicast/v2/).
 * Other fields a recorder may add (idle_time_limit, theme) are allowed and ignored.
 */
export const CastHeader = Type.Object({
  version: Type.Literal(2),
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 }),
  /** Unix seconds when recording began. */
  timestamp: Type.Optional(Type.Integer()),
  env: Type.Optional(Type.Record(Type.String(), Type.String())),
  title: Type.Optional(Type.String()),
});
export type CastHeader = Static<typeof CastHeader>;

/** Every later line: `[seconds, code, data]`. Sonde writes `o` (output) and `r` (resize, `"COLSxROWS"`). */
export const CastEvent = Type.Tuple([Type.Number({ minimum: 0 }), Type.String(), Type.String()]);
export type CastEvent = Static<typeof CastEvent>;
