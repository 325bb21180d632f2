import type { PacketLine } from './captures.js';

/**
 * A one-line summary of a captured packet, like `tcpdump -n` prints, for the live view:
 * Ethernet, Linux cooked (SLL/SLL2, what `-i any` gives) or raw IP; IPv4/IPv6; TCP, UDP,
 * ICMP/ICMPv6; ARP. Deliberately small: Wireshark is the tool for everything else, so any
 * other protocol is named by its number and truncated packets say so instead of throwing.
 */

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;

const TCP_FLAGS: [number, string][] = [
  [0x02, 'S'],
  [0x01, 'F'],
  [0x04, 'R'],
  [0x08, 'P'],
  [0x20, 'U'],
  [0x10, '.'],
];

const ICMP4_TYPES: Record<number, string> = { 0: 'echo reply', 3: 'unreachable', 5: 'redirect', 8: 'echo request', 11: 'time exceeded' };
const ICMP6_TYPES: Record<number, string> = {
  1: 'unreachable', 3: 'time exceeded', 128: 'echo request', 129: 'echo reply',
  133: 'router solicitation', 134: 'router advertisement', 135: 'neighbor solicitation', 136: 'neighbor advertisement',
};

interface Decoded {
  src: string;
  dst: string;
  protocol: string;
  info: string;
}

export function decodePacket(linkType: number, data: Uint8Array, meta: { number: number; time: number; length: number }): PacketLine {
  let decoded: Decoded;
  try {
    decoded = decodeLink(linkType, data);
  } catch {
    decoded = { src: '?', dst: '?', protocol: '?', info: 'truncated packet' };
  }
  return { number: meta.number, time: meta.time, length: meta.length, ...decoded };
}

function decodeLink(linkType: number, d: Uint8Array): Decoded {
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      let etherType = u16(d, 12);
      let offset = 14;
      // 802.1Q / 802.1ad VLAN tags.
      while ((etherType === 0x8100 || etherType === 0x88a8) && d.length >= offset + 4) {
        etherType = u16(d, offset + 2);
        offset += 4;
      }
      return decodeEtherType(etherType, d.subarray(offset), { src: mac(d, 6), dst: mac(d, 0) });
    }
    case LINKTYPE_LINUX_SLL:
      return decodeEtherType(u16(d, 14), d.subarray(16));
    case LINKTYPE_LINUX_SLL2:
      return decodeEtherType(u16(d, 0), d.subarray(20));
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return decodeIp(d);
    default:
      return { src: '?', dst: '?', protocol: `link ${linkType}`, info: `${d.length} bytes` };
  }
}

function decodeEtherType(etherType: number, d: Uint8Array, macs?: { src: string; dst: string }): Decoded {
  switch (etherType) {
    case 0x0800:
    case 0x86dd:
      return decodeIp(d);
    case 0x0806:
      return decodeArp(d);
    default:
      return { src: macs?.src ?? '?', dst: macs?.dst ?? '?', protocol: `ethertype 0x${etherType.toString(16).padStart(4, '0')}`, info: `${d.length} bytes` };
  }
}

function decodeArp(d: Uint8Array): Decoded {
  const op = u16(d, 6);
  const senderIp = ipv4(d, 14);
  const targetIp = ipv4(d, 24);
  const info = op === 1 ? `who-has ${targetIp} tell ${senderIp}` : op === 2 ? `${senderIp} is-at ${mac(d, 8)}` : `op ${op}`;
  return { src: senderIp, dst: targetIp, protocol: 'ARP', info };
}

function decodeIp(d: Uint8Array): Decoded {
  const version = byte(d, 0) >> 4;
  if (version === 4) {
    const headerLength = (byte(d, 0) & 0x0f) * 4;
    const fragmentOffset = u16(d, 6) & 0x1fff;
    const protocol = byte(d, 9);
    const src = ipv4(d, 12);
    const dst = ipv4(d, 16);
    if (fragmentOffset !== 0) return { src, dst, protocol: 'IPv4', info: `fragment (protocol ${protocol})` };
    return decodeTransport(protocol, d.subarray(headerLength), src, dst, false);
  }
  if (version === 6) {
    let next = byte(d, 6);
    const src = ipv6(d, 8);
    const dst = ipv6(d, 24);
    let offset = 40;
    // Hop-by-hop, routing and destination options headers.
    while ((next === 0 || next === 43 || next === 60) && d.length >= offset + 2) {
      const following = byte(d, offset);
      offset += (byte(d, offset + 1) + 1) * 8;
      next = following;
    }
    return decodeTransport(next, d.subarray(offset), src, dst, true);
  }
  return { src: '?', dst: '?', protocol: '?', info: `not IP (version ${version})` };
}

function decodeTransport(protocol: number, d: Uint8Array, src: string, dst: string, v6: boolean): Decoded {
  const join = (address: string, port: number) => (v6 ? `[${address}]:${port}` : `${address}:${port}`);
  switch (protocol) {
    case 6: {
      const flagBits = byte(d, 13);
      const flags = TCP_FLAGS.filter(([bit]) => flagBits & bit).map(([, name]) => name).join('') || 'none';
      const headerLength = (byte(d, 12) >> 4) * 4;
      const seq = u32(d, 4);
      const parts = [`[${flags}]`, `seq ${seq}`];
      if (flagBits & 0x10) parts.push(`ack ${u32(d, 8)}`);
      parts.push(`win ${u16(d, 14)}`);
      parts.push(`len ${Math.max(0, d.length - headerLength)}`);
      return { src: join(src, u16(d, 0)), dst: join(dst, u16(d, 2)), protocol: 'TCP', info: parts.join(' ') };
    }
    case 17: {
      const length = u16(d, 4);
      return { src: join(src, u16(d, 0)), dst: join(dst, u16(d, 2)), protocol: 'UDP', info: `len ${Math.max(0, length - 8)}` };
    }
    case 1: {
      const type = byte(d, 0);
      const name = ICMP4_TYPES[type] ?? `type ${type}`;
      const echo = type === 0 || type === 8 ? `, id ${u16(d, 4)}, seq ${u16(d, 6)}` : '';
      return { src, dst, protocol: 'ICMP', info: `${name}${echo}` };
    }
    case 58: {
      const type = byte(d, 0);
      const name = ICMP6_TYPES[type] ?? `type ${type}`;
      const echo = type === 128 || type === 129 ? `, id ${u16(d, 4)}, seq ${u16(d, 6)}` : '';
      return { src, dst, protocol: 'ICMPv6', info: `${name}${echo}` };
    }
    default:
      return { src, dst, protocol: `IP proto ${protocol}`, info: `${d.length} bytes` };
  }
}

function byte(d: Uint8Array, offset: number): number {
  const value = d[offset];
  if (value === undefined) throw new RangeError('truncated');
  return value;
}

function u16(d: Uint8Array, offset: number): number {
  return (byte(d, offset) << 8) | byte(d, offset + 1);
}

function u32(d: Uint8Array, offset: number): number {
  return u16(d, offset) * 65536 + u16(d, offset + 2);
}

function ipv4(d: Uint8Array, offset: number): string {
  return [0, 1, 2, 3].map((i) => byte(d, offset + i)).join('.');
}

function mac(d: Uint8Array, offset: number): string {
  return [0, 1, 2, 3, 4, 5].map((i) => byte(d, offset + i).toString(16).padStart(2, '0')).join(':');
}

/** RFC 5952 text: lower case, leading zeros dropped, the longest run of zero groups as `::`. */
export function ipv6(d: Uint8Array, offset: number): string {
  const groups = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => u16(d, offset + i * 2));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
