import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CAPTURE_LIMITS, captureArgv, checkCaptureRequest } from './captures.js';
import { decodePacket } from './packet-decoder.js';
import { PcapFormatError, PcapReader, parseGlobalHeader } from './pcap-reader.js';

/** Captured with tcpdump in the toolbox: 2 pings and a TCP handshake on eth0, 2 pings on `any`. */
const eth0 = new Uint8Array(readFileSync(new URL('./fixtures/eth0-icmp-http.pcap', import.meta.url)));
const any = new Uint8Array(readFileSync(new URL('./fixtures/any-icmp.pcap', import.meta.url)));

describe('pcap reader', () => {
  it('reads the global header of a tcpdump file', () => {
    const header = parseGlobalHeader(eth0);
    expect(header).toMatchObject({ littleEndian: true, nanoseconds: false, versionMajor: 2, versionMinor: 4, linkType: 1 });
    expect(parseGlobalHeader(any).linkType).toBe(276);
  });

  it('refuses what is not pcap', () => {
    expect(() => parseGlobalHeader(new TextEncoder().encode('tcpdump: syntax error in filter exp'))).toThrow(PcapFormatError);
  });

  it('yields the same records however the bytes are split, keeping a partial record pending', () => {
    const whole = new PcapReader().push(eth0);
    expect(whole.records).toHaveLength(6);
    expect(whole.records.map((r) => r.capturedLength)).toEqual([98, 98, 98, 98, 74, 74]);
    expect(24 + whole.records.reduce((n, r) => n + r.raw.length, 0)).toBe(eth0.length);
    for (const size of [1, 7, 16, 17, 100]) {
      const reader = new PcapReader();
      const records = [];
      for (let i = 0; i < eth0.length; i += size) records.push(...reader.push(eth0.slice(i, i + size)).records);
      expect(records.map((r) => r.time)).toEqual(whole.records.map((r) => r.time));
      expect(reader.pendingBytes).toBe(0);
    }
    const cut = new PcapReader();
    const partial = cut.push(eth0.slice(0, 24 + 16 + 98 + 20));
    expect(partial.header?.linkType).toBe(1);
    expect(partial.records).toHaveLength(1);
    expect(cut.pendingBytes).toBe(20);
  });

  it('refuses an absurd record length instead of buffering forever', () => {
    const bad = eth0.slice(0, 40);
    new DataView(bad.buffer).setUint32(24 + 8, 0x7fffffff, true);
    expect(() => new PcapReader().push(bad)).toThrow(/corrupt/);
  });
});

describe('packet decoder', () => {
  const decodeAll = (file: Uint8Array) => {
    const { header, records } = new PcapReader().push(file);
    return records.map((r, i) => decodePacket(header!.linkType, r.data, { number: i + 1, time: r.time, length: r.originalLength }));
  };

  it('summarises ICMP and TCP on Ethernet like tcpdump -n', () => {
    const lines = decodeAll(eth0);
    expect(lines[0]).toMatchObject({ number: 1, src: '172.18.0.2', dst: '172.18.0.3', protocol: 'ICMP', length: 98 });
    expect(lines[0]!.info).toMatch(/^echo request, id \d+, seq 0$/);
    expect(lines[1]!.info).toMatch(/^echo reply, id \d+, seq 0$/);
    expect(lines[4]).toMatchObject({ dst: '172.18.0.3:80', protocol: 'TCP' });
    expect(lines[4]!.src).toMatch(/^172\.18\.0\.2:\d+$/);
    expect(lines[4]!.info).toMatch(/^\[S\] seq \d+ win 64240 len 0$/);
    expect(lines[5]!.info).toMatch(/^\[S\.\] seq \d+ ack \d+ win \d+ len 0$/);
    expect(lines[0]!.time).toBeGreaterThan(1_600_000_000);
  });

  it('decodes Linux cooked v2 (interface any)', () => {
    const lines = decodeAll(any);
    expect(lines.map((l) => `${l.protocol} ${l.src} > ${l.dst}`)).toEqual([
      'ICMP 172.18.0.2 > 172.18.0.3',
      'ICMP 172.18.0.3 > 172.18.0.2',
      'ICMP 172.18.0.2 > 172.18.0.3',
      'ICMP 172.18.0.3 > 172.18.0.2',
    ]);
  });

  it('decodes IPv6 UDP on raw IP, and says "truncated" rather than throwing', () => {
    const v6 = new Uint8Array(48);
    v6[0] = 0x60;
    v6[6] = 17;
    v6.set([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 8);
    v6.set([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], 24);
    v6.set([0x30, 0x39, 0, 53, 0, 8, 0, 0], 40);
    expect(decodePacket(101, v6, { number: 1, time: 0, length: 48 })).toMatchObject({ src: '[fd00::1]:12345', dst: '[fd00::2]:53', protocol: 'UDP', info: 'len 0' });
    expect(decodePacket(1, eth0.slice(40, 60), { number: 1, time: 0, length: 98 }).info).toBe('truncated packet');
  });
});

describe('capture requests', () => {
  it('fills bounded defaults and builds an argv with the filter after --', () => {
    const checked = checkCaptureRequest({ filter: ' icmp  and host 10.0.0.5 ' });
    expect(checked).toMatchObject({ ok: true, interface: 'eth0', filter: 'icmp  and host 10.0.0.5', limits: { packets: CAPTURE_LIMITS.packets.default } });
    if (!checked.ok) return;
    expect(captureArgv(checked)).toEqual(['tcpdump', '-U', '--immediate-mode', '-n', '-w', '-', '-i', 'eth0', '-c', '10000', '--', 'icmp', 'and', 'host', '10.0.0.5']);
    expect(checkCaptureRequest({ interface: 'any', limits: { packets: 5 } })).toMatchObject({ ok: true, interface: 'any', filterTokens: [], limits: { packets: 5, seconds: 300 } });
  });

  it.each([
    ['interface', { interface: '-w/tmp/x' }],
    ['interface', { interface: 'eth0;id' }],
    ['interface', { interface: 'averyveryverylongname0' }],
    ['filter', { filter: '$(touch /tmp/p)' }],
    ['filter', { filter: 'port 53; id' }],
    ['filter', { filter: 'icmp\nor tcp' }],
    ['filter', { filter: '`id`' }],
    ['filter', { filter: '-w /tmp/x' }],
    ['filter', { filter: 'port 53 – 54' }],
  ])('refuses a hostile %s (%j) naming the field', (field, request) => {
    const checked = checkCaptureRequest(request);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.field).toBe(`body.${field}`);
  });
});
