export {
  SondeClient,
  CSRF_HEADER,
  UNREACHABLE_HEADER,
  type AuditQueryOptions,
  type EngineQuery,
  type FetchFunction,
  type Listing,
  type SondeClientOptions,
} from './sonde-client.js';
export {
  ClientErrorCode,
  SondeApiError,
  errorFromResponse,
  isSondeApiError,
  parseRetryAfter,
  type SondeApiErrorOptions,
} from './sonde-api-error.js';
export { DisposableStore, type Disposable } from './lifecycle/disposable.js';
export { Emitter } from './lifecycle/emitter.js';
export {
  TtyConnection,
  type TtyConnectionOptions,
  type TtyEvents,
  type TtySocket,
  type TtyState,
  type TtyStateKind,
} from './terminal/tty-connection.js';
export { AckLedger, binaryStringToBytes, splitInput } from './terminal/flow-control.js';
export { RECONNECT_BASE_MS, RECONNECT_MAX_MS, reconnectDelay } from './terminal/reconnect-backoff.js';
export { ttyUrl, withOffset } from './terminal/tty-url.js';
