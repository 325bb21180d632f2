import { ErrorCode, type ErrorBody } from '@sonde/shared';
import { EngineError } from '../engine/types.js';

/** An error a client is meant to see: HTTP status, stable code and a sentence for humans. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Maps engine failures to API errors; anything unknown becomes a generic 500 without details. */
export function toApiError(error: unknown, toolboxImage?: string): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof EngineError && error.source === 'kubernetes') {
    // The codes are the engine codes every client knows; the sentences name the cluster.
    switch (error.kind) {
      case 'unreachable':
        return new ApiError(503, ErrorCode.DockerUnreachable, `${error.message} Is the API server up, and are the kubeconfig's credentials valid?`);
      case 'image-missing':
        return new ApiError(424, ErrorCode.ToolboxImageMissing, `The cluster could not pull the toolbox image (${error.message}). Set SONDE_K8S_TOOLBOX_IMAGE to an image its nodes can pull.`);
      default:
        return new ApiError(502, ErrorCode.DockerError, `The Kubernetes API refused the request: ${error.message}`);
    }
  }
  if (error instanceof EngineError) {
    switch (error.kind) {
      case 'unreachable':
        return new ApiError(503, ErrorCode.DockerUnreachable, `${error.message} Is the Docker daemon running, and may Sonde use its socket?`);
      case 'image-missing':
        return new ApiError(
          424,
          ErrorCode.ToolboxImageMissing,
          `The toolbox image ${toolboxImage ?? ''} is not on this Docker engine. Build it with: npm run toolbox:build (or set SONDE_TOOLBOX_IMAGE to an image you have, e.g. nicolaka/netshoot).`,
        );
      default:
        return new ApiError(502, ErrorCode.DockerError, `Docker refused the request: ${error.message}`);
    }
  }
  return new ApiError(500, ErrorCode.Internal, 'Something went wrong inside Sonde; the server log has details.');
}
