import type { ListeningSocket, SocketsResult } from '../results.js';
import { plainLines } from './terminal-text.js';

/** `[::]:80`, `*:80`, `127.0.0.11:53`, `0.0.0.0%lo:53` → address and port (split at the last colon). */
function splitEndpoint(endpoint: string): { address: string; port: string } {
  const colon = endpoint.lastIndexOf(':');
  if (colon < 0) return { address: endpoint, port: '' };
  return { address: endpoint.slice(0, colon), port: endpoint.slice(colon + 1) };
}

/** `users:(("httpd",pid=1,fd=3),("nginx",pid=7,fd=6))` → processes. */
function processes(text: string): ListeningSocket['processes'] {
  const found: ListeningSocket['processes'] = [];
  for (const m of text.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+)/g)) found.push({ name: m[1]!, pid: Number(m[2]) });
  return found;
}

/** Parses `ss -tulpn` (Netid State Recv-Q Send-Q Local Peer [Process]). */
export function parseSockets(output: string, processesVisible: boolean): SocketsResult | undefined {
  const sockets: ListeningSocket[] = [];
  let header = false;
  for (const line of plainLines(output)) {
    if (/^Netid\s+State\s+Recv-Q/.test(line)) {
      header = true;
      continue;
    }
    if (!header) continue;
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6 || !/^\d+$/.test(fields[2]!) || !/^\d+$/.test(fields[3]!)) continue;
    const local = splitEndpoint(fields[4]!);
    sockets.push({
      netid: fields[0]!,
      state: fields[1]!,
      recvQ: Number(fields[2]),
      sendQ: Number(fields[3]),
      localAddress: local.address,
      localPort: local.port,
      peer: fields[5]!,
      processes: processes(fields.slice(6).join(' ')),
    });
  }
  if (!header) return undefined;
  return { kind: 'sockets', sockets, processesVisible };
}
