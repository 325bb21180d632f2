import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Duplex } from 'node:stream';
import { findTool, paramReader, validateToolParams, type ServerControl } from '@sonde/shared';
import type { RunningToolbox } from '../engine/types.js';
import { ToolRun, type PeerToolbox } from './tool-run.js';

/** A toolbox whose "tool" is this test: pushed bytes are its output, written bytes its input. */
function fakeToolbox(id: string, exitCode = 0) {
  const written: Buffer[] = [];
  const stream = new Duplex({
    read() {},
    write(chunk, _enc, cb) {
      written.push(chunk as Buffer);
      cb();
    },
  });
  const toolbox: RunningToolbox = { id, stream, resize: async () => undefined, exitCode: async () => exitCode };
  return { toolbox, stream, written };
}

function makeRun(toolId: string, params: Record<string, unknown>, extra: { peer?: PeerToolbox; onEnded?: () => void } = {}) {
  const tool = findTool(toolId)!;
  const checked = validateToolParams(tool, params);
  if (!checked.ok) throw new Error(checked.reason);
  const client = fakeToolbox('client-box');
  const removed: string[] = [];
  const run = new ToolRun({
    owner: { id: 'user:o', name: 'o' },
    id: 'r'.repeat(32),
    tool,
    target: { kind: 'container', engine: 'local', containerId: 'target-id', containerName: 'web', sharePid: false },
    scope: { containers: [], networks: [] },
    params: checked.values,
    argv: tool.build(paramReader(checked.values), {}),
    limitSeconds: Math.ceil(tool.limitSeconds(paramReader(checked.values))),
    image: 'sonde-toolbox:latest',
    toolbox: client.toolbox,
    ...(extra.peer ? { peer: extra.peer } : {}),
    replayBytes: 1024 * 1024,
    stopGraceMs: 5000,
    removeContainer: async (id) => {
      removed.push(id);
    },
    onEnded: extra.onEnded ?? (() => undefined),
  });
  return { run, client, removed };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('ToolRun', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => vi.useRealTimers());

  it('is running with no exit code, then exited with the tool status and a parsed result', async () => {
    const { run, client, removed } = makeRun('ping', { host: 'web', count: 1 });
    expect(run.info()).toMatchObject({ state: 'running', exitCode: null, limitReached: false, ttyPath: `/api/runs/${'r'.repeat(32)}/tty` });
    expect(run.info().result).toBeUndefined();
    client.stream.push(
      'PING web (10.0.0.2) 56(84) bytes of data.\r\n64 bytes from web (10.0.0.2): icmp_seq=1 ttl=64 time=0.05 ms\r\n\r\n--- web ping statistics ---\r\n1 packets transmitted, 1 received, 0% packet loss, time 0ms\r\nrtt min/avg/max/mdev = 0.05/0.05/0.05/0.0 ms\r\n',
    );
    client.stream.push(null);
    await vi.waitFor(() => expect(run.state).toBe('exited'));
    await flush();
    expect(run.info()).toMatchObject({ state: 'exited', exitCode: 0, endReason: 'exited', result: { kind: 'ping', received: 1, address: '10.0.0.2' } });
    expect(removed).toEqual(['client-box']);
  });

  it('interrupts the tool like Ctrl-C at its limit, says so, and removes it after the grace period', async () => {
    const { run, client, removed } = makeRun('tcpdump', { seconds: 3 });
    const controls: ServerControl[] = [];
    const frames: Buffer[] = [];
    run.attach({ sendOutput: (d, done) => (frames.push(Buffer.from(d)), done()), sendControl: (m) => controls.push(m), close: () => undefined }, undefined, { id: 'user:o', name: 'o', canManage: false });
    vi.advanceTimersByTime(2999);
    expect(client.written).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(Buffer.concat(client.written)).toEqual(Buffer.from([3]));
    expect(Buffer.concat(frames).toString()).toContain('[sonde] tcpdump reached its time limit (3 s)');
    expect(run.info()).toMatchObject({ state: 'running', limitReached: true });
    vi.advanceTimersByTime(5000); // the tool ignored the interrupt
    await vi.waitFor(() => expect(removed).toEqual(['client-box']));
    expect(run.info()).toMatchObject({ state: 'exited', exitCode: -1, endReason: 'limit' });
    expect(controls.at(-1)).toMatchObject({ type: 'exit', reason: 'the tool reached its time limit' });
  });

  it('removes the peer toolbox with the run, whichever way it ends', async () => {
    const peer = fakeToolbox('peer-box');
    const ended = vi.fn();
    const { run, client, removed } = makeRun(
      'iperf3',
      { server: 'db', seconds: 1 },
      { peer: { role: 'iperf3 server', engine: 'local', toolbox: peer.toolbox, containerId: 'db-id', containerName: 'db', address: '10.0.0.5', argv: ['iperf3', '-s'] }, onEnded: ended },
    );
    expect(run.dependsOn('local', 'db-id')).toBe(true);
    expect(run.dependsOn('local', 'target-id')).toBe(true);
    expect(run.dependsOn('local', 'other')).toBe(false);
    expect(run.dependsOn('edge-1', 'db-id')).toBe(false);
    expect(run.toolboxIds).toEqual(['client-box', 'peer-box']);
    client.stream.push(null);
    await vi.waitFor(() => expect(ended).toHaveBeenCalled());
    expect(removed.sort()).toEqual(['client-box', 'peer-box']);
    expect(run.info().peer).toEqual({ role: 'iperf3 server', containerId: 'db-id', containerName: 'db', address: '10.0.0.5', argv: ['iperf3', '-s'] });
    await run.end('deleted'); // idempotent
    expect(removed).toHaveLength(2);
  });

  it('parses the whole output even when the ended session keeps only a tail for late viewers', async () => {
    const { run, client } = makeRun('iperf3', { server: 'db', seconds: 30 });
    const intervals = Array.from({ length: 1500 }, (_, i) => ({ sum: { start: i, end: i + 1, seconds: 1, bytes: 1e6, bits_per_second: 8e6, retransmits: 0 } }));
    const report = JSON.stringify({ start: { test_start: { protocol: 'TCP', reverse: 0 } }, intervals, end: { sum_sent: { bytes: 1.5e9, bits_per_second: 8e6, retransmits: 0 } } }, null, 2);
    expect(report.length).toBeGreaterThan(256 * 1024);
    client.stream.push(report.replace(/\n/g, '\r\n'));
    client.stream.push(null);
    await vi.waitFor(() => expect(run.state).toBe('exited'));
    await flush();
    const result = run.info().result;
    expect(result?.kind === 'throughput' && result.intervals.length).toBe(1500);
  });

  it('keeps the raw output when the parser finds nothing to read', async () => {
    const { run, client } = makeRun('dig', { host: 'web' });
    client.stream.push('not what dig prints\r\n');
    client.stream.push(null);
    await vi.waitFor(() => expect(run.state).toBe('exited'));
    expect(run.info().result).toBeUndefined();
  });
});
