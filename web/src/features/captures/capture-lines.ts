import type { PacketLine } from '@sonde/shared';

/** The live view keeps the most recent lines only (the file has every packet). */
export const MAX_VISIBLE_LINES = 500;

/** Appends new lines, dropping duplicates a reconnecting feed replays, keeping the last MAX_VISIBLE_LINES. */
export function appendLines(current: readonly PacketLine[], incoming: readonly PacketLine[]): PacketLine[] {
  const last = current.at(-1)?.number ?? 0;
  const fresh = incoming.filter((line) => line.number > last);
  if (fresh.length === 0) return current as PacketLine[];
  return [...current, ...fresh].slice(-MAX_VISIBLE_LINES);
}

/** `15:04:05.123456` in the viewer's time zone. */
export function packetTime(seconds: number): string {
  const date = new Date(Math.floor(seconds * 1000));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const micros = Math.round((seconds % 1) * 1e6) % 1e6;
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(micros, 6)}`;
}
