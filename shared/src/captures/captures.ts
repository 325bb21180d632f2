import Type, { type Static } from 'typebox';
import { ResolvedTarget, TargetRequest } from '../sessions.js';
import { MAX_BPF_LENGTH, validateParamValue } from '../tools/param-types.js';

/** Wire shapes of /api/captures (docs/api.md, "Packet captures"). */

/** Bounds of a capture: every capture has all three, defaults fill in what a request leaves out. */
export const CAPTURE_LIMITS = {
  packets: { default: 10_000, max: 100_000 },
  bytes: { default: 50 * 1024 * 1024, max: 200 * 1024 * 1024 },
  seconds: { default: 300, max: 3600 },
} as const;

export const CaptureLimitsRequest = Type.Object(
  {
    packets: Type.Optional(Type.Integer({ minimum: 1, maximum: CAPTURE_LIMITS.packets.max })),
    bytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: CAPTURE_LIMITS.bytes.max })),
    seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: CAPTURE_LIMITS.seconds.max })),
  },
  { additionalProperties: false },
);

export const CreateCaptureRequest = Type.Object(
  {
    target: TargetRequest,
    interface: Type.Optional(Type.String({ maxLength: 32 })),
    filter: Type.Optional(Type.String({ maxLength: MAX_BPF_LENGTH })),
    limits: Type.Optional(CaptureLimitsRequest),
    /** End the capture when its last viewer (pcap stream or events feed) goes away. */
    stopWhenUnwatched: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateCaptureRequest = Static<typeof CreateCaptureRequest>;

export const CaptureLimits = Type.Object({ packets: Type.Integer(), bytes: Type.Integer(), seconds: Type.Integer() });
export type CaptureLimits = Static<typeof CaptureLimits>;

export const CaptureState = Type.Union([Type.Literal('running'), Type.Literal('ended')]);
export type CaptureState = Static<typeof CaptureState>;

/**
 * Why a capture ended: `stopped` (DELETE), `packets`/`bytes`/`seconds` (a limit), `unwatched`,
 * `exited` (tcpdump ended by itself), `failed` (tcpdump reported an error, see `error`),
 * `target-stopped`, `shutdown`, `engine-lost`, `access-revoked` (its owner was disabled, demoted or
 * revoked), `policy` (the target policy no longer allows its target).
 */
export const CAPTURE_END_REASONS = ['stopped', 'packets', 'bytes', 'seconds', 'unwatched', 'exited', 'failed', 'target-stopped', 'shutdown', 'engine-lost', 'access-revoked', 'policy'] as const;
export const CaptureEndReason = Type.Enum(CAPTURE_END_REASONS);
export type CaptureEndReason = (typeof CAPTURE_END_REASONS)[number];

export const CaptureInfo = Type.Object({
  id: Type.String(),
  /** Who started it: only they and admins may see, follow, download or stop it. */
  owner: Type.Object({ id: Type.String(), name: Type.String() }),
  target: ResolvedTarget,
  interface: Type.String(),
  filter: Type.String(),
  limits: CaptureLimits,
  stopWhenUnwatched: Type.Boolean(),
  argv: Type.Array(Type.String()),
  state: CaptureState,
  /** Packets in the file so far. */
  packets: Type.Integer(),
  /** Size of the pcap file so far (global header and records). */
  bytes: Type.Integer(),
  /** LINKTYPE of the file (1 Ethernet, 276 Linux cooked v2 for `any`), once tcpdump wrote its header. */
  linkType: Type.Optional(Type.Integer()),
  startedAt: Type.String({ format: 'date-time' }),
  endedAt: Type.Optional(Type.String()),
  endReason: Type.Optional(CaptureEndReason),
  /** What tcpdump said when it failed. */
  error: Type.Optional(Type.String()),
  /** Whether the pcap file can still be downloaded (false once retention removed it). */
  fileAvailable: Type.Boolean(),
  toolbox: Type.Object({ containerId: Type.String(), image: Type.String() }),
  pcapPath: Type.String(),
  eventsPath: Type.String(),
});
export type CaptureInfo = Static<typeof CaptureInfo>;
export const CaptureList = Type.Array(CaptureInfo);

/** One decoded packet of the live view (`tcpdump -n` style). */
export const PacketLine = Type.Object({
  /** 1-based position in the file. */
  number: Type.Integer(),
  /** Seconds since the epoch. */
  time: Type.Number(),
  src: Type.String(),
  dst: Type.String(),
  protocol: Type.String(),
  info: Type.String(),
  /** Length on the wire. */
  length: Type.Integer(),
});
export type PacketLine = Static<typeof PacketLine>;

/** `data:` of the `packets` event of GET /api/captures/:id/events. */
export const CapturePacketsEvent = Type.Object({
  lines: Type.Array(PacketLine),
  /** Packets not sent as lines since the previous event (the feed is rate-capped; the file has them all). */
  skipped: Type.Integer(),
});
export type CapturePacketsEvent = Static<typeof CapturePacketsEvent>;

export type CaptureRequestCheck =
  | { ok: true; interface: string; filter: string; filterTokens: string[]; limits: CaptureLimits }
  | { ok: false; field: string; reason: string };

/**
 * The checks a schema cannot express: the interface name and the BPF filter go through the
 * same validators as tool parameters. Defaults fill the limits. `field` is e.g. `body.filter`.
 */
export function checkCaptureRequest(request: Pick<CreateCaptureRequest, 'interface' | 'filter' | 'limits'>): CaptureRequestCheck {
  const iface = validateParamValue({ name: 'interface', type: 'interface', label: 'Interface', required: true, acceptsAny: true }, request.interface ?? 'eth0');
  if (!iface.ok) return { ok: false, field: 'body.interface', reason: iface.reason };
  const filterText = (request.filter ?? '').trim();
  let filterTokens: string[] = [];
  if (filterText !== '') {
    const filter = validateParamValue({ name: 'filter', type: 'bpf', label: 'Filter', required: false }, filterText);
    if (!filter.ok) return { ok: false, field: 'body.filter', reason: filter.reason };
    filterTokens = filterText.split(/\s+/);
  }
  const limits: CaptureLimits = {
    packets: request.limits?.packets ?? CAPTURE_LIMITS.packets.default,
    bytes: request.limits?.bytes ?? CAPTURE_LIMITS.bytes.default,
    seconds: request.limits?.seconds ?? CAPTURE_LIMITS.seconds.default,
  };
  return { ok: true, interface: String(iface.value), filter: filterText, filterTokens, limits };
}

/**
 * The toolbox's argv (no shell): pcap on stdout, flushed per packet (-U), handed over by the
 * kernel as each packet arrives (--immediate-mode; otherwise up to a second of packets sits in
 * the ring buffer and is lost when the capture is stopped), no name resolution.
 */
export function captureArgv(check: { interface: string; filterTokens: string[]; limits: CaptureLimits }): string[] {
  return ['tcpdump', '-U', '--immediate-mode', '-n', '-w', '-', '-i', check.interface, '-c', String(check.limits.packets), '--', ...check.filterTokens];
}
