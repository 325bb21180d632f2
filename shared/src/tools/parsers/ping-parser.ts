import type { PingReply, PingResult } from '../results.js';
import { plainLines } from './terminal-text.js';

/** Parses iputils ping output (Debian, netshoot): replies, the statistics line and the rtt summary. */
export function parsePing(output: string, host: string): PingResult | undefined {
  const lines = plainLines(output);
  let address: string | undefined;
  let transmitted: number | undefined;
  let received = 0;
  let lossPercent = 100;
  let rtt: PingResult['rtt'];
  let problem: string | undefined;
  const replies: PingReply[] = [];
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if ((m = /^PING (\S+) \(([^)]+)\)/.exec(line))) {
      address = m[2];
    } else if ((m = /^\d+ bytes from (.+?): icmp_seq=(\d+)(?: ttl=(\d+))? time=([\d.]+) ms/.exec(line))) {
      replies.push({ from: m[1]!, seq: Number(m[2]), ...(m[3] ? { ttl: Number(m[3]) } : {}), timeMs: Number(m[4]) });
    } else if ((m = /^(\d+) packets transmitted, (\d+) received,.*?([\d.]+)% packet loss/.exec(line))) {
      transmitted = Number(m[1]);
      received = Number(m[2]);
      lossPercent = Number(m[3]);
    } else if ((m = /^(?:rtt|round-trip) min\/avg\/max\/(?:mdev|stddev) = ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(line))) {
      rtt = { minMs: Number(m[1]), avgMs: Number(m[2]), maxMs: Number(m[3]), mdevMs: Number(m[4]) };
    } else if ((m = /^ping: (?:.*?: )?(.+)$/.exec(line))) {
      problem ??= m[1]!.trim();
    }
  }
  if (transmitted === undefined && problem === undefined) return undefined;
  return {
    kind: 'ping',
    host,
    ...(address ? { address } : {}),
    transmitted: transmitted ?? 0,
    received,
    lossPercent,
    ...(rtt ? { rtt } : {}),
    replies,
    ...(problem ? { problem } : {}),
  };
}
