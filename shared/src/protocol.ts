import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { Participant, ParticipantRole } from './shares.js';
import { RunInfo } from './tools/runs.js';

/**
 * The terminal WebSocket protocol (docs/protocol.md).
 * Binary frames carry raw terminal bytes in both directions; text frames carry one JSON
 * control message each.
 */

/** Largest text (control) frame the server accepts from a client. Client control messages are tiny. */
export const MAX_CONTROL_FRAME_BYTES = 4096;
/**
 * Largest text frame a client accepts from the server: a run's record (`run`) carries its
 * parsed result, which the server parses from at most 2 MiB of output.
 */
export const MAX_SERVER_CONTROL_FRAME_BYTES = 16 * 1024 * 1024;
/** Largest binary input frame the server accepts (a big paste is split by the client). */
export const MAX_INPUT_FRAME_BYTES = 64 * 1024;
/** Terminal size bounds: anything outside is clamped, never forwarded raw. */
export const TERMINAL_LIMITS = { minCols: 2, maxCols: 1000, minRows: 1, maxRows: 500 } as const;

/**
 * Flow control. The server stops reading the shell once a client has this many output bytes
 * it has not acknowledged, and reads again below the low watermark. 2 MiB covers
 * bandwidth × round-trip time of a 40 MB/s link 50 ms away (window / RTT bounds throughput); it is a window, not a buffer
 * the server fills (see docs/protocol.md for the memory bound).
 */
export const FLOW_HIGH_WATERMARK = 2 * 1024 * 1024;
export const FLOW_LOW_WATERMARK = 512 * 1024;
/** Clients ack at least every this many processed bytes; must be ≤ HIGH − LOW. */
export const FLOW_ACK_BYTES = 128 * 1024;

const Dim = Type.Integer({ minimum: 0, maximum: 100000 });

export const ResizeMessage = Type.Object({ type: Type.Literal('resize'), cols: Dim, rows: Dim });
export const AckMessage = Type.Object({
  type: Type.Literal('ack'),
  bytes: Type.Integer({ minimum: 0, maximum: 1024 * 1024 * 1024 }),
});
/** Owner only: make a participant a driver or a viewer (hand the keyboard over, take it back). */
export const SetRoleMessage = Type.Object({
  type: Type.Literal('set-role'),
  participant: Type.String({ minLength: 1, maxLength: 128 }),
  role: ParticipantRole,
});
export const ClientControl = Type.Union([ResizeMessage, AckMessage, SetRoleMessage]);
export type ClientControl = Static<typeof ClientControl>;
export type ResizeMessage = Static<typeof ResizeMessage>;
export type AckMessage = Static<typeof AckMessage>;
export type SetRoleMessage = Static<typeof SetRoleMessage>;

export const HelloMessage = Type.Object({
  type: Type.Literal('hello'),
  session: Type.String(),
  /** Output offset (total bytes the shell produced) at which the live stream continues. */
  offset: Type.Integer(),
  /** True when the bytes before `offset` that this client had not seen could not all be replayed. */
  resynced: Type.Boolean(),
  flow: Type.Object({ high: Type.Integer(), low: Type.Integer(), ackBytes: Type.Integer() }),
});
export const ExitMessage = Type.Object({
  type: Type.Literal('exit'),
  code: Type.Integer(),
  reason: Type.Optional(Type.String()),
});
export const ErrorMessage = Type.Object({
  type: Type.Literal('error'),
  code: Type.String(),
  message: Type.String(),
});
/** Something every participant should read, shown as a line in the terminal area (not typed into the shell). */
export const NoticeMessage = Type.Object({
  type: Type.Literal('notice'),
  level: Type.Union([Type.Literal('info'), Type.Literal('warning')]),
  message: Type.String(),
});
/** Who is attached, sent on attach and whenever it changes. `you` is this client's participant id. */
export const PresenceMessage = Type.Object({
  type: Type.Literal('presence'),
  you: Type.String(),
  role: ParticipantRole,
  participants: Type.Array(Participant),
});
/**
 * Tool runs only: the run's record (state, exit code, parsed result). Sent on attach while it
 * runs, and once more when it ends, after its last output byte and before `exit`: a client
 * learns the result from the socket it already has open, without polling GET /api/runs/:id.
 */
export const RunMessage = Type.Object({
  type: Type.Literal('run'),
  run: RunInfo,
});
export const ServerControl = Type.Union([HelloMessage, ExitMessage, ErrorMessage, NoticeMessage, PresenceMessage, RunMessage]);
export type ServerControl = Static<typeof ServerControl>;
export type HelloMessage = Static<typeof HelloMessage>;
export type ExitMessage = Static<typeof ExitMessage>;
export type ErrorMessage = Static<typeof ErrorMessage>;
export type NoticeMessage = Static<typeof NoticeMessage>;
export type PresenceMessage = Static<typeof PresenceMessage>;
export type RunMessage = Static<typeof RunMessage>;

/** WebSocket close codes the server uses (4000-4999 are application codes). */
export const CloseCode = {
  /** The client closed; the server echoes its code. */
  Normal: 1000,
  /** The console is stopping and this socket was still open after every session and run had ended. */
  GoingAway: 1001,
  /** A viewer kept typing. */
  PolicyViolation: 1008,
  /** A message over the server's 1 MiB limit (sent by the WebSocket library itself). */
  TooBig: 1009,
  SessionEnded: 4000,
  SessionNotFound: 4004,
  ServerShutdown: 4001,
  /** The credential this socket was opened with was revoked, expired, or lost the right to this session. */
  AccessRevoked: 4003,
  /** The session already has as many sockets attached as the console allows (SONDE_MAX_SOCKETS_PER_SESSION). */
  TooManyConnections: 4029,
} as const;

export type DecodeResult<T> = { ok: true; message: T } | { ok: false; reason: string };

function decode<T>(check: (value: unknown) => boolean, text: string, maxBytes: number): DecodeResult<T> {
  if (text.length > maxBytes) return { ok: false, reason: 'control frame too large' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'control frame is not JSON' };
  }
  if (!check(parsed)) return { ok: false, reason: 'unknown or malformed control message' };
  return { ok: true, message: parsed as T };
}

/**
 * The server decodes every control message a client sends, an ack at least every 128 KiB of
 * output and as often as the client likes. Interpreted (`Value.Check` on the union), the check
 * was a fifth of the relay's busy time in a profile of a flood read by a client acking every
 * frame, so it is compiled, once, on first use (TypeBox's JIT). Only the server decodes these;
 * the browser, whose CSP forbids eval, never compiles it (and TypeBox interprets where eval is refused).
 */
let clientControlCheck: ((value: unknown) => boolean) | undefined;

export function decodeClientControl(text: string): DecodeResult<ClientControl> {
  if (!clientControlCheck) {
    const validator = Compile(ClientControl);
    clientControlCheck = (value) => validator.Check(value);
  }
  return decode<ClientControl>(clientControlCheck, text, MAX_CONTROL_FRAME_BYTES);
}

export function decodeServerControl(text: string): DecodeResult<ServerControl> {
  return decode<ServerControl>((value) => Value.Check(ServerControl, value), text, MAX_SERVER_CONTROL_FRAME_BYTES);
}

export function encodeControl(message: ClientControl | ServerControl): string {
  return JSON.stringify(message);
}

export function clampSize(cols: number, rows: number): { cols: number; rows: number } {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.trunc(v)));
  return {
    cols: clamp(cols, TERMINAL_LIMITS.minCols, TERMINAL_LIMITS.maxCols),
    rows: clamp(rows, TERMINAL_LIMITS.minRows, TERMINAL_LIMITS.maxRows),
  };
}
