import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { ApiError } from '../http/api-error.js';
import { CloseCode, ErrorCode, MAX_CONTROL_FRAME_BYTES, decodeClientControl, encodeControl } from '@sonde/shared';
import type { ParticipantRole } from '@sonde/shared';
import type { Attachment, ClientChannel, ParticipantIdentity } from '../sessions/terminal-stream.js';

/** What a terminal socket attaches to: a shell session, or a tool run's read-only output. */
export interface TerminalSource {
  readonly clientCount: number;
  attach(channel: ClientChannel, fromOffset: number | undefined, participant: ParticipantIdentity, initialRole: ParticipantRole): Attachment;
}

/**
 * One terminal WebSocket attached to a Session, speaking docs/protocol.md: binary output with
 * flow control, JSON control frames, heartbeat, 4004 for an unknown id. Shell sessions
 * (GET /api/sessions/:id/tty) and tool runs (GET /api/runs/:id/tty) both use it.
 */

/**
 * A terminal route's preHandler: a plain GET (no WebSocket upgrade) is told what the route is,
 * with the documented error body, instead of the empty 404 the WebSocket plugin would answer.
 */
export async function requireUpgrade(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.headers.upgrade?.toLowerCase() !== 'websocket') {
    // 426 names the protocol to switch to (RFC 9110, 15.5.22).
    reply.header('upgrade', 'websocket');
    throw new ApiError(426, ErrorCode.InvalidRequest, 'This is a terminal WebSocket: open it with a WebSocket upgrade (docs/protocol.md).');
  }
}

/** How often the server pings each terminal socket; a peer that misses one ping is dropped. */
const HEARTBEAT_MS = 20_000;

function channelFor(socket: WebSocket): ClientChannel {
  return {
    sendOutput(data, written) {
      if (socket.readyState !== socket.OPEN) return;
      socket.send(data, { binary: true }, () => written());
    },
    sendControl(message) {
      if (socket.readyState === socket.OPEN) socket.send(encodeControl(message), { binary: false });
    },
    close(code, reason) {
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, closeReason(reason));
    },
  };
}

/**
 * A close frame holds at most 123 bytes of reason (RFC 6455; `ws` throws on more): a longer one
 * is cut at a character boundary. The whole sentence went before it, in the `exit` message.
 */
export function closeReason(reason: string): string {
  const bytes = Buffer.from(reason);
  if (bytes.length <= 123) return reason;
  return `${new TextDecoder().decode(bytes.subarray(0, 120)).replace(/\uFFFD$/, '')}…`;
}

export interface TerminalSocketOptions {
  /** Undefined when the id is unknown (or not this principal's to see): told so and closed with 4004. */
  session: TerminalSource | undefined;
  /** Output offset the client already has (`?offset=`). */
  offset: number | undefined;
  /** Keystrokes and resizes reach the process; false for tool runs, whose output is read-only. */
  interactive: boolean;
  /** Sockets one session may have attached at once; one more is told so and closed with 4029. */
  maxClients: number;
  notFound: { code: string; message: string };
  /** Who is attaching, and the role they get if the session has not given them one yet. */
  participant: ParticipantIdentity;
  initialRole: ParticipantRole;
  /** Registers the socket with the live-connection registry (revocation closes it); returns the unregister function. */
  live: (close: (code: number, reason: string) => void) => () => void;
}

/** Serves one upgraded socket. Listeners are attached synchronously, before anything awaits. */
export function serveTerminalSocket(socket: WebSocket, options: TerminalSocketOptions): void {
  const { session } = options;
  if (!session) {
    // Accept, then close with 4004: a browser cannot read an HTTP status from a refused
    // upgrade, and must know not to retry.
    socket.send(encodeControl({ type: 'error', code: options.notFound.code, message: options.notFound.message }));
    socket.close(CloseCode.SessionNotFound, 'not found');
    return;
  }
  if (session.clientCount >= options.maxClients) {
    socket.send(encodeControl({ type: 'error', code: ErrorCode.TooManyStreams, message: `This session already has ${session.clientCount} connections, the most it may have (SONDE_MAX_SOCKETS_PER_SESSION); close a tab first.` }));
    socket.close(CloseCode.TooManyConnections, 'too many connections');
    return;
  }
  let attachment: Attachment | undefined;
  let alive = true;
  const heartbeat = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, HEARTBEAT_MS);
  socket.on('pong', () => {
    alive = true;
  });
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    if (!attachment) return;
    if (isBinary) {
      if (options.interactive) attachment.input(data);
      return;
    }
    if (data.length > MAX_CONTROL_FRAME_BYTES) {
      attachment.violations.oversizedFrames++;
      socket.send(encodeControl({ type: 'error', code: ErrorCode.BadControlMessage, message: 'control frame too large' }));
      return;
    }
    const decoded = decodeClientControl(data.toString('utf8'));
    if (!decoded.ok) {
      attachment.violations.malformedControl++;
      socket.send(encodeControl({ type: 'error', code: ErrorCode.BadControlMessage, message: decoded.reason }));
      return;
    }
    const message = decoded.message;
    switch (message.type) {
      case 'ack':
        attachment.ack(message.bytes);
        return;
      case 'resize':
        // A run's output is laid out for the width it started with (parsers read it).
        if (options.interactive) attachment.resize(message.cols, message.rows);
        return;
      case 'set-role':
        if (options.interactive) attachment.setRole(message.participant, message.role);
        return;
      default: {
        const unexpected: never = message;
        return unexpected;
      }
    }
  });
  const forget = options.live((code, reason) => {
    if (socket.readyState === socket.OPEN) socket.send(encodeControl({ type: 'error', code: ErrorCode.AccessRevoked, message: `Disconnected: ${reason}.` }));
    if (attachment) attachment.close(code, reason);
    else socket.close(code, closeReason(reason));
  });
  socket.once('close', () => {
    clearInterval(heartbeat);
    forget();
    attachment?.close(CloseCode.Normal, 'client left');
  });
  socket.on('error', () => socket.terminate());
  attachment = session.attach(channelFor(socket), options.offset, options.participant, options.initialRole);
}
