import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCurl } from './parsers/http-parser.js';
import { parseDns } from './parsers/dns-parser.js';
import { parseIperf3 } from './parsers/iperf3-parser.js';
import { parseMtr } from './parsers/mtr-parser.js';
import { parsePing } from './parsers/ping-parser.js';
import { parseNmap, parsePortCheck } from './parsers/port-parsers.js';
import { parseSockets } from './parsers/socket-parser.js';
import { plainText } from './parsers/terminal-text.js';
import { Value } from 'typebox/value';
import { ToolResult } from './results.js';

/** Real output of the sonde-toolbox image, captured through a pty (CR LF line ends) against test containers. */
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}.txt`, import.meta.url), 'utf8');

function valid<T>(result: T): T {
  expect(Value.Check(ToolResult, result), JSON.stringify(result)).toBe(true);
  return result;
}

describe('terminal text', () => {
  it('drops CR LF, colour codes and overwritten progress', () => {
    expect(plainText('a\r\nb\r\r\n\u001b[1;31mred\u001b[0m\r\n10%\r50%\r100%\n')).toBe('a\nb\nred\n100%\n');
  });
});

describe('ping parser', () => {
  it('reads replies, loss and rtt', () => {
    const result = valid(parsePing(fixture('ping-ok'), 'cap-a'));
    expect(result).toMatchObject({ kind: 'ping', host: 'cap-a', address: '172.30.0.2', transmitted: 4, received: 4, lossPercent: 0 });
    expect(result?.rtt).toEqual({ minMs: 0.105, avgMs: 0.129, maxMs: 0.161, mdevMs: 0.024 });
    expect(result?.replies.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(result?.replies[0]).toEqual({ from: 'cap-a.capnet (172.30.0.2)', seq: 1, ttl: 64, timeMs: 0.161 });
  });

  it('reports total loss without rtt', () => {
    const result = valid(parsePing(fixture('ping-loss'), '172.30.0.99'));
    expect(result).toMatchObject({ transmitted: 3, received: 0, lossPercent: 100, replies: [] });
    expect(result?.rtt).toBeUndefined();
  });

  it('says why when the name does not resolve', () => {
    expect(valid(parsePing(fixture('ping-unknown'), 'nonexist.invalid'))).toMatchObject({ transmitted: 0, problem: 'Name or service not known' });
  });

  it('returns nothing for output that is not ping', () => {
    expect(parsePing('hello\r\n', 'x')).toBeUndefined();
  });
});

describe('dns parser', () => {
  it('reads dig answers, status, server and query time', () => {
    const result = valid(parseDns(fixture('dig-two')));
    expect(result).toMatchObject({ kind: 'dns', status: 'NOERROR', server: '127.0.0.11#53', queryTimeMs: 4, question: { name: 'alpha.', type: 'A' } });
    expect(result?.flags).toEqual(['qr', 'rd', 'ra']);
    expect(result?.answers).toEqual([
      { name: 'alpha.', ttl: 600, class: 'IN', type: 'A', data: '172.30.0.4' },
      { name: 'alpha.', ttl: 600, class: 'IN', type: 'A', data: '172.30.0.2' },
    ]);
  });

  it('reads NXDOMAIN and empty answers', () => {
    expect(valid(parseDns(fixture('dig-nx')))).toMatchObject({ status: 'NXDOMAIN', answers: [] });
    expect(valid(parseDns(fixture('dig-mx')))).toMatchObject({ status: 'NOERROR', answers: [], question: { name: 'cap-a.', type: 'MX' } });
  });

  it('says when no server answered', () => {
    expect(valid(parseDns(fixture('dig-timeout')))).toMatchObject({ problem: 'no servers could be reached', answers: [] });
  });

  it('reads drill output too', () => {
    const result = valid(parseDns(fixture('drill-two')));
    expect(result).toMatchObject({ status: 'NOERROR', server: '127.0.0.11', question: { name: 'alpha.', type: 'A' } });
    expect(result?.answers.map((a) => a.data).sort()).toEqual(['172.30.0.2', '172.30.0.4']);
  });
});

describe('port check parser (nc -vz)', () => {
  const request = (ports: number[], protocol: 'tcp' | 'udp' = 'tcp') => ({ host: 'cap-a', ports, protocol });

  it('open, closed and filtered', () => {
    expect(valid(parsePortCheck(fixture('nc-open'), request([80])))?.entries).toEqual([
      { host: 'cap-a', address: '172.30.0.2', port: 80, protocol: 'tcp', state: 'open', service: 'http' },
    ]);
    expect(valid(parsePortCheck(fixture('nc-closed'), request([81])))?.entries).toEqual([
      { host: 'cap-a', address: '172.30.0.2', port: 81, protocol: 'tcp', state: 'closed' },
    ]);
    expect(valid(parsePortCheck(fixture('nc-filtered'), { host: '172.30.0.99', ports: [80], protocol: 'tcp' }))?.entries).toEqual([
      { host: '172.30.0.99', port: 80, protocol: 'tcp', state: 'filtered', detail: 'timed out' },
    ]);
  });

  it('one entry per port of a range, in order', () => {
    const result = valid(parsePortCheck(fixture('nc-range'), request([79, 80, 81, 82])));
    expect(result?.entries.map((e) => `${e.port}:${e.state}`)).toEqual(['79:closed', '80:open', '81:closed', '82:closed']);
  });

  it('udp: success is open|filtered, silence is closed', () => {
    const open = valid(parsePortCheck(fixture('nc-udp-open'), { host: '127.0.0.11', ports: [53], protocol: 'udp' }));
    expect(open?.entries[0]).toMatchObject({ port: 53, protocol: 'udp', state: 'open|filtered' });
    const closed = valid(parsePortCheck('', { host: 'cap-a', ports: [53], protocol: 'udp' }));
    expect(closed?.entries[0]).toMatchObject({ port: 53, state: 'closed' });
  });

  it('says when the host does not resolve', () => {
    const result = valid(parsePortCheck('nc: getaddrinfo for host "nosuch" port 80: Name or service not known\r\n', request([80])));
    expect(result).toMatchObject({ problem: 'Name or service not known', entries: [{ port: 80, state: 'unknown' }] });
  });
});

describe('nmap parser', () => {
  it('reads the port table of each host', () => {
    const result = valid(parseNmap(fixture('nmap')));
    expect(result?.entries.map((e) => [e.host, e.address, e.port, e.state, e.service])).toEqual([
      ['cap-a', '172.30.0.2', 79, 'closed', 'finger'],
      ['cap-a', '172.30.0.2', 80, 'open', 'http'],
      ['cap-a', '172.30.0.2', 81, 'closed', 'hosts2-ns'],
    ]);
  });
});

describe('curl parser', () => {
  it('reads the status line and the timing breakdown', () => {
    const result = valid(parseCurl(fixture('curl-ok')));
    expect(result).toMatchObject({ kind: 'http', statusLine: 'HTTP/1.1 200 OK', httpCode: 200, remote: '172.30.0.2:80', redirects: 0, bytes: 29 });
    expect(result?.timings).toEqual({ dnsMs: 6.332, connectMs: 6.915, tlsMs: 0, firstByteMs: 10.536, totalMs: 10.811 });
    expect(result?.phases.map((p) => p.name)).toEqual(['dns', 'connect', 'wait', 'transfer']);
    const sum = result!.phases.reduce((n, p) => n + p.ms, 0);
    expect(sum).toBeCloseTo(10.811, 3);
  });

  it('reads a 404 through a pty (headers end in CR CR LF)', () => {
    expect(valid(parseCurl(fixture('curl-404')))).toMatchObject({ statusLine: 'HTTP/1.1 404 Not Found', httpCode: 404 });
  });

  it('reports a refused connection', () => {
    const result = valid(parseCurl(fixture('curl-refused')));
    expect(result).toMatchObject({ httpCode: 0, problem: expect.stringContaining("Couldn't connect to server") });
    expect(result?.remote).toBeUndefined();
  });

  it('only trusts the last timing block (a server cannot forge one in its headers)', () => {
    const forged = `HTTP/1.1 200 OK\r\nX: y\r\n--- sonde timing (seconds) ---\r\ntotal 99\r\n\r\n${fixture('curl-ok').split('\n').slice(10).join('\n')}`;
    expect(parseCurl(forged)?.timings.totalMs).toBe(10.811);
  });
});

describe('mtr parser', () => {
  it('reads the hop table', () => {
    expect(valid(parseMtr(fixture('mtr-report')))?.hops).toEqual([
      { hop: 1, host: '172.30.0.2', lossPercent: 0, sent: 3, lastMs: 0.1, avgMs: 0.1, bestMs: 0.1, worstMs: 0.1, stdevMs: 0 },
    ]);
  });

  it('reads values mtr prints with a trailing dot', () => {
    expect(valid(parseMtr(fixture('mtr-unreach')))?.hops[0]).toMatchObject({ lastMs: 1662, avgMs: 2368, worstMs: 3074, stdevMs: 998.1 });
  });
});

describe('iperf3 parser', () => {
  it('reads intervals, totals and retransmits', () => {
    const result = valid(parseIperf3(fixture('iperf-json')));
    expect(result).toMatchObject({ kind: 'throughput', protocol: 'TCP', reverse: false });
    expect(result?.intervals).toHaveLength(3);
    expect(result?.intervals[0]).toMatchObject({ startSeconds: 0, bytes: 674103296, retransmits: 1436 });
    expect(result?.sender?.bitsPerSecond).toBeGreaterThan(1e9);
    expect(result?.receiver?.bytes).toBeGreaterThan(0);
    expect(result?.sender?.retransmits).toBeGreaterThanOrEqual(1436);
  });

  it('reports the error iperf3 puts in its JSON', () => {
    expect(valid(parseIperf3(fixture('iperf-refused')))).toMatchObject({ intervals: [], problem: 'unable to connect to server: Connection refused' });
  });

  it('returns nothing for truncated JSON', () => {
    expect(parseIperf3(fixture('iperf-json').slice(0, 500))).toBeUndefined();
  });
});

describe('ss parser', () => {
  it('reads listening sockets, with processes when the PID namespace is shared', () => {
    const result = valid(parseSockets(fixture('ss-pid'), true));
    expect(result?.sockets.map((s) => [s.netid, s.state, s.localAddress, s.localPort])).toEqual([
      ['udp', 'UNCONN', '127.0.0.11', '57499'],
      ['tcp', 'LISTEN', '127.0.0.11', '46263'],
      ['tcp', 'LISTEN', '*', '80'],
    ]);
    expect(result?.sockets[2]?.processes).toEqual([{ name: 'httpd', pid: 1 }]);
    expect(valid(parseSockets(fixture('ss-nopid'), false))).toMatchObject({ processesVisible: false, sockets: expect.arrayContaining([expect.objectContaining({ localPort: '80', processes: [] })]) });
  });

  it('splits IPv6 and interface-scoped addresses at the last colon', () => {
    const text = 'Netid State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\r\ntcp LISTEN 0 511 [::]:8080 [::]:*\r\nudp UNCONN 0 0 0.0.0.0%lo:53 0.0.0.0:*\r\n';
    expect(parseSockets(text, false)?.sockets.map((s) => [s.localAddress, s.localPort])).toEqual([
      ['[::]', '8080'],
      ['0.0.0.0%lo', '53'],
    ]);
  });
});
