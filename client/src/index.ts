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
