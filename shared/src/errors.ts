import Type, { type Static } from 'typebox';

/** Stable error codes. Clients branch on these; never rename one. */
export const ErrorCode = {
  InvalidRequest: 'INVALID_REQUEST',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  ForbiddenOrigin: 'FORBIDDEN_ORIGIN',
  ForbiddenHost: 'FORBIDDEN_HOST',
  NotFound: 'NOT_FOUND',
  SessionNotFound: 'SESSION_NOT_FOUND',
  TargetNotFound: 'TARGET_NOT_FOUND',
  TargetAmbiguous: 'TARGET_AMBIGUOUS',
  TargetNotRunning: 'TARGET_NOT_RUNNING',
  TargetNotAllowed: 'TARGET_NOT_ALLOWED',
  EngineNotFound: 'ENGINE_NOT_FOUND',
  /** A Swarm task's node has no engine the console can reach (none configured, no template). */
  NodeEngineMissing: 'NODE_ENGINE_MISSING',
  /** A task target asked of an engine that is not a Swarm manager. */
  NotSwarmManager: 'NOT_SWARM_MANAGER',
  /** An overlay network has no namespace on that engine's node (no task or endpoint of it runs there). */
  NoNetworkNamespace: 'NO_NETWORK_NAMESPACE',
  ToolboxImageMissing: 'TOOLBOX_IMAGE_MISSING',
  DockerUnreachable: 'DOCKER_UNREACHABLE',
  DockerError: 'DOCKER_ERROR',
  ShuttingDown: 'SHUTTING_DOWN',
  TooManySessions: 'TOO_MANY_SESSIONS',
  TooManyToolboxes: 'TOO_MANY_TOOLBOXES',
  TooManyStreams: 'TOO_MANY_STREAMS',
  ToolNotFound: 'TOOL_NOT_FOUND',
  RunNotFound: 'RUN_NOT_FOUND',
  ToolMissing: 'TOOL_MISSING',
  PeerFailed: 'PEER_FAILED',
  NoSharedNetwork: 'NO_SHARED_NETWORK',
  TooManyRuns: 'TOO_MANY_RUNS',
  CaptureNotFound: 'CAPTURE_NOT_FOUND',
  CaptureFailed: 'CAPTURE_FAILED',
  TooManyCaptures: 'TOO_MANY_CAPTURES',
  ShareExpired: 'SHARE_EXPIRED',
  ShareRevoked: 'SHARE_REVOKED',
  SessionEnded: 'SESSION_ENDED',
  ShareNotFound: 'SHARE_NOT_FOUND',
  RoleRequired: 'ROLE_REQUIRED',
  TooManyAttempts: 'TOO_MANY_ATTEMPTS',
  UserExists: 'USER_EXISTS',
  UserNotFound: 'USER_NOT_FOUND',
  TokenNotFound: 'TOKEN_NOT_FOUND',
  RecordingNotFound: 'RECORDING_NOT_FOUND',
  RecordingUnavailable: 'RECORDING_UNAVAILABLE',
  NetstateNotFound: 'NETSTATE_NOT_FOUND',
  NetstateNotRevertible: 'NETSTATE_NOT_REVERTIBLE',
  DoctorNotFound: 'DOCTOR_NOT_FOUND',
  MatrixNotFound: 'MATRIX_NOT_FOUND',
  /** More matrix members than its limit (SONDE_MATRIX_MAX_MEMBERS); name fewer in `members`. */
  MatrixTooLarge: 'MATRIX_TOO_LARGE',
  /** Fewer than two members the policy lets the principal probe. */
  MatrixTooSmall: 'MATRIX_TOO_SMALL',
  CellNotFound: 'CELL_NOT_FOUND',
  TooManyDiagnoses: 'TOO_MANY_DIAGNOSES',
  Internal: 'INTERNAL',
  /** On a terminal socket: a control frame that is not JSON, not a known message, or too large. */
  BadControlMessage: 'BAD_CONTROL_MESSAGE',
  /** On a terminal socket, before close 4003: the credential or the access it rested on ended. */
  AccessRevoked: 'ACCESS_REVOKED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;
