import http from 'node:http';
import https from 'node:https';
import type { FetchFunction } from '@sonde/client';

/**
 * A `fetch` for @sonde/client that opens a connection of its own for each request and closes it
 * after the reply (`agent: false`, `Connection: close`). Node's fetch keeps connections in a pool
 * for as long as the server's keep-alive allows (72 s for Fastify), and a pooled connection is a
 * descriptor the server holds that it did not leak: tests that count descriptors use this.
 * `ca` trusts a self-signed certificate (its own CA), which the global fetch cannot be told.
 */
export interface OneShotFetchOptions {
  ca?: Buffer;
  /** No answer within this long fails the request; by default it waits like fetch does (a test's own timeout bounds it). */
  timeoutMs?: number;
}

/** Statuses whose reply has no body (a Response refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export function oneShotFetch(options: OneShotFetchOptions = {}): FetchFunction {
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
        reject(new TypeError('oneShotFetch sends string bodies only (the client sends JSON text)'));
        return;
      }
      const headers: Record<string, string> = { connection: 'close' };
      new Headers(init.headers).forEach((value, name) => (headers[name] = value));
      const transport = url.startsWith('https:') ? https : http;
      const request = transport.request(
        url,
        { method: init.method ?? 'GET', headers, agent: false, ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}), ...(options.ca ? { ca: options.ca } : {}) },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            const replyHeaders = new Headers();
            for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) replyHeaders.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
            const body = NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, statusText: response.statusMessage ?? '', headers: replyHeaders }));
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error(`${init.method ?? 'GET'} ${url}: no answer in ${options.timeoutMs} ms`)));
      request.on('error', reject);
      request.end(init.body ?? undefined);
    });
}
