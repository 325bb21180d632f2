export { SondeClient, CSRF_HEADER, type AuditQueryOptions, type FetchFunction, type SondeClientOptions } from './sonde-client.js';
export {
  ClientErrorCode,
  SondeApiError,
  errorFromResponse,
  isSondeApiError,
  parseRetryAfter,
  type SondeApiErrorOptions,
} from './sonde-api-error.js';
