import Type, { type Static } from 'typebox';

/**
 * Structured results parsed from a finished run's output (GET /api/runs/:id `result`).
 * Discriminated by `kind`; `problem` carries an error the tool itself reported (a name that does
 * not resolve, no DNS server reachable) so a card can say it instead of showing empty tables.
 */

const Problem = Type.Optional(Type.String());

export const PingReply = Type.Object({
  seq: Type.Integer(),
  ttl: Type.Optional(Type.Integer()),
  timeMs: Type.Number(),
  from: Type.String(),
});
export type PingReply = Static<typeof PingReply>;

export const PingResult = Type.Object({
  kind: Type.Literal('ping'),
  host: Type.String(),
  address: Type.Optional(Type.String()),
  transmitted: Type.Integer(),
  received: Type.Integer(),
  lossPercent: Type.Number(),
  rtt: Type.Optional(Type.Object({ minMs: Type.Number(), avgMs: Type.Number(), maxMs: Type.Number(), mdevMs: Type.Number() })),
  replies: Type.Array(PingReply),
  problem: Problem,
});
export type PingResult = Static<typeof PingResult>;

export const DnsRecord = Type.Object({
  name: Type.String(),
  ttl: Type.Integer(),
  class: Type.String(),
  type: Type.String(),
  data: Type.String(),
});
export type DnsRecord = Static<typeof DnsRecord>;

export const DnsResult = Type.Object({
  kind: Type.Literal('dns'),
  question: Type.Optional(Type.Object({ name: Type.String(), type: Type.String() })),
  /** The response code: NOERROR, NXDOMAIN, SERVFAIL, REFUSED… */
  status: Type.Optional(Type.String()),
  flags: Type.Array(Type.String()),
  answers: Type.Array(DnsRecord),
  authority: Type.Array(DnsRecord),
  server: Type.Optional(Type.String()),
  queryTimeMs: Type.Optional(Type.Number()),
  problem: Problem,
});
export type DnsResult = Static<typeof DnsResult>;

export const PortState = Type.Union([
  Type.Literal('open'),
  Type.Literal('closed'),
  Type.Literal('filtered'),
  Type.Literal('open|filtered'),
  Type.Literal('closed|filtered'),
  Type.Literal('unfiltered'),
  Type.Literal('unknown'),
]);
export type PortState = Static<typeof PortState>;

export const PortEntry = Type.Object({
  host: Type.String(),
  address: Type.Optional(Type.String()),
  port: Type.Integer(),
  protocol: Type.Union([Type.Literal('tcp'), Type.Literal('udp')]),
  state: PortState,
  service: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String()),
});
export type PortEntry = Static<typeof PortEntry>;

export const PortsResult = Type.Object({
  kind: Type.Literal('ports'),
  entries: Type.Array(PortEntry),
  /** Lines such as nmap's "Not shown: 997 closed tcp ports". */
  notes: Type.Array(Type.String()),
  problem: Problem,
});
export type PortsResult = Static<typeof PortsResult>;

export const HttpPhase = Type.Object({
  name: Type.Union([Type.Literal('dns'), Type.Literal('connect'), Type.Literal('tls'), Type.Literal('wait'), Type.Literal('transfer')]),
  ms: Type.Number(),
});
export type HttpPhase = Static<typeof HttpPhase>;

export const HttpResult = Type.Object({
  kind: Type.Literal('http'),
  /** The last response's status line, e.g. `HTTP/1.1 200 OK`. */
  statusLine: Type.Optional(Type.String()),
  /** 0 when no response arrived. */
  httpCode: Type.Integer(),
  remote: Type.Optional(Type.String()),
  /** Cumulative, from the start of the request, as curl reports them. */
  timings: Type.Object({
    dnsMs: Type.Number(),
    connectMs: Type.Number(),
    tlsMs: Type.Number(),
    firstByteMs: Type.Number(),
    totalMs: Type.Number(),
  }),
  /** The same timings as consecutive phases (they add up to the total), for a bar. */
  phases: Type.Array(HttpPhase),
  redirects: Type.Integer(),
  bytes: Type.Integer(),
  problem: Problem,
});
export type HttpResult = Static<typeof HttpResult>;

export const MtrHop = Type.Object({
  hop: Type.Integer(),
  host: Type.String(),
  lossPercent: Type.Number(),
  sent: Type.Integer(),
  lastMs: Type.Number(),
  avgMs: Type.Number(),
  bestMs: Type.Number(),
  worstMs: Type.Number(),
  stdevMs: Type.Number(),
});
export type MtrHop = Static<typeof MtrHop>;

export const MtrResult = Type.Object({
  kind: Type.Literal('mtr'),
  hops: Type.Array(MtrHop),
  problem: Problem,
});
export type MtrResult = Static<typeof MtrResult>;

export const ThroughputInterval = Type.Object({
  startSeconds: Type.Number(),
  endSeconds: Type.Number(),
  bytes: Type.Number(),
  bitsPerSecond: Type.Number(),
  retransmits: Type.Optional(Type.Integer()),
});
export type ThroughputInterval = Static<typeof ThroughputInterval>;

const Totals = Type.Object({
  bytes: Type.Number(),
  bitsPerSecond: Type.Number(),
  retransmits: Type.Optional(Type.Integer()),
});

export const ThroughputResult = Type.Object({
  kind: Type.Literal('throughput'),
  protocol: Type.Optional(Type.String()),
  /** True when the server sent and the client received (iperf3 -R). */
  reverse: Type.Boolean(),
  intervals: Type.Array(ThroughputInterval),
  sender: Type.Optional(Totals),
  receiver: Type.Optional(Totals),
  problem: Problem,
});
export type ThroughputResult = Static<typeof ThroughputResult>;

export const SocketProcess = Type.Object({ name: Type.String(), pid: Type.Integer() });

export const ListeningSocket = Type.Object({
  netid: Type.String(),
  state: Type.String(),
  recvQ: Type.Integer(),
  sendQ: Type.Integer(),
  localAddress: Type.String(),
  localPort: Type.String(),
  peer: Type.String(),
  processes: Type.Array(SocketProcess),
});
export type ListeningSocket = Static<typeof ListeningSocket>;

export const SocketsResult = Type.Object({
  kind: Type.Literal('sockets'),
  sockets: Type.Array(ListeningSocket),
  /** Whether the toolbox could see processes (it shares the target's PID namespace). */
  processesVisible: Type.Boolean(),
  problem: Problem,
});
export type SocketsResult = Static<typeof SocketsResult>;

export const ToolResult = Type.Union([PingResult, DnsResult, PortsResult, HttpResult, MtrResult, ThroughputResult, SocketsResult]);
export type ToolResult = Static<typeof ToolResult>;
export type ResultKind = ToolResult['kind'];
export const RESULT_KINDS = ['ping', 'dns', 'ports', 'http', 'mtr', 'throughput', 'sockets'] as const satisfies readonly ResultKind[];
