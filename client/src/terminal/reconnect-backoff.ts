/**
 * Reconnect delays for the terminal socket: exponential from 250 ms, capped at 5 s, with jitter
 * so that many tabs (or many browsers) do not reconnect in lockstep after a server restart.
 */
export const RECONNECT_BASE_MS = 250;
export const RECONNECT_MAX_MS = 5000;

/**
 * Delay before reconnect attempt `attempt` (0-based). "Equal jitter": the result lies in
 * [d/2, d] where d = min(max, base·2^attempt), so it never collapses to zero.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, Math.trunc(attempt)), 20);
  const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** exponent);
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}
