import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_HIGH_WATERMARK, type SessionInfo, type TargetRequest } from '@sonde/shared';
import { ENDED_REPLAY_BYTES, MAX_OUTPUT_FRAME } from '../src/sessions/session.js';
import { DockerFixtures, containersWithLabels, waitForNoContainers } from './support/docker-fixtures.js';
import { SondeProcess, type HeapFigures, type ProcessSample } from './support/sonde-process.js';
import { TerminalClient, openTerminal } from './support/terminal-client.js';

/**
 * Bounded load: SESSIONS concurrent sessions on one server process, each printing a known,
 * distinct output at the same time and then typing. Every byte must arrive exactly; the server
 * must end with no containers, and its descriptors and memory back near where they started.
 * Bounds: SESSIONS × LINES fixes the work; the whole test is capped by its timeout.
 */
const SESSIONS = 30;
const LINES = 20_000;
const TYPED_COMMANDS = 10;
const CREATE_CONCURRENCY = 6;
const MiB = 1024 * 1024;

const line = (session: number, n: number) => `s${session}-${n}-abcdefghijklmnopqrstuvwxyz\n`;
function expectedOutput(session: number): string {
  let out = '';
  for (let n = 1; n <= LINES; n++) out += line(session, n);
  return out;
}

async function inBatches<T>(count: number, concurrency: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await work(i);
      }
    }),
  );
  return results;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('load: concurrent sessions deliver every byte and leave nothing behind (real Docker)', () => {
  const fixtures = new DockerFixtures();
  let sonde: SondeProcess;
  let network: string;
  let target: { id: string; name: string };

  beforeAll(async () => {
    network = await fixtures.network();
    target = await fixtures.container({ network });
    // One principal opens all 30: above the default per-user cap (20), which is not what this measures.
    sonde = await SondeProcess.start({ inspect: true, env: { SONDE_MAX_SESSIONS_PER_USER: '40' } });
  });

  afterAll(async () => {
    await sonde?.stop();
    await fixtures.dispose();
  });

  const targetFor = (i: number): TargetRequest => ([{ kind: 'container', container: target.name }, { kind: 'network', network }, { kind: 'host', engine: 'local' }] as const)[i % 3]!;

  async function open(i: number): Promise<{ info: SessionInfo; term: TerminalClient }> {
    const { info, term } = await openTerminal(sonde, targetFor(i));
    term.resize(120, 40);
    // No output post-processing, so the bytes the client gets are exactly the bytes printed.
    await term.run('stty -opost');
    return { info, term };
  }

  /** Prints the session's output; returns what arrived between the markers and the shell's own checksum. */
  async function print(i: number, term: TerminalClient): Promise<{ received: string; shellSum: string }> {
    const fmt = `s${i}-%g-abcdefghijklmnopqrstuvwxyz`;
    // A file of its own: a user's sessions to one target share a toolbox, and its /tmp.
    const received = await term.run(`seq -f '${fmt}' 1 ${LINES} > /tmp/out-${i}; cat /tmp/out-${i}`, 60_000);
    const shellSum = (await term.run(`sha256sum < /tmp/out-${i}`)).trim().split(/\s+/)[0]!;
    return { received, shellSum };
  }

  async function type(i: number, term: TerminalClient): Promise<void> {
    for (let j = 0; j < TYPED_COMMANDS; j++) {
      expect(await term.run(`echo typed-${i}-${j}-$((${j}*3))`)).toContain(`typed-${i}-${j}-${j * 3}`);
    }
  }

  /**
   * The server once it settled: Node's HTTP agent keeps idle connections to Docker for 5 s, so
   * wait that out; then a full GC, so what is measured is what is still held.
   */
  async function settledSample(): Promise<ProcessSample & { heap: HeapFigures }> {
    await pause(6000);
    const heap = await sonde.collectGarbage();
    return { ...sonde.sample(), heap };
  }

  it(`${SESSIONS} sessions print and type at once: byte-exact, no errors, fds and memory back, no containers`, async () => {
    // Warm-up: one session through the same motions, so lazy code and pools are in the baseline.
    const warm = await open(0);
    await print(0, warm.term);
    // The tests' client holds each DELETE to the documented 204.
    await sonde.client.endSession(warm.info.id);
    await warm.term.waitClosed();
    const baseline = await settledSample();

    let peak: ProcessSample = { rssKiB: baseline.rssKiB, fds: baseline.fds };
    const sampler = setInterval(() => {
      const s = sonde.sample();
      peak = { rssKiB: Math.max(peak.rssKiB, s.rssKiB), fds: Math.max(peak.fds, s.fds) };
    }, 100);
    try {
      const sessions = await inBatches(SESSIONS, CREATE_CONCURRENCY, open);
      const printed = await Promise.all(sessions.map(({ term }, i) => print(i, term)));
      printed.forEach(({ received, shellSum }, i) => {
        const expected = expectedOutput(i);
        expect(received.length, `session ${i} byte count`).toBe(expected.length);
        expect(createHash('sha256').update(received).digest('hex'), `session ${i} vs shell checksum`).toBe(shellSum);
        expect(received === expected, `session ${i} content`).toBe(true);
      });
      await Promise.all(sessions.map(({ term }, i) => type(i, term)));
      for (const { term } of sessions) {
        expect(term.controlsOf('error')).toEqual([]);
        expect(term.closed).toBeUndefined();
      }

      await Promise.all(sessions.map(({ info }) => sonde.client.endSession(info.id)));
      for (const { term } of sessions) expect((await term.waitClosed()).code).toBe(4000);
      // Session toolboxes are gone when DELETE answers; a final network-state snapshot may still be finishing.
      const left = await containersWithLabels(`sonde.instance=${sonde.instance}`);
      expect(left.filter((id) => sessions.some(({ info }) => info.toolbox.containerId === id))).toEqual([]);
    } finally {
      clearInterval(sampler);
    }
    await waitForNoContainers([`sonde.instance=${sonde.instance}`], 30_000);

    const after = await settledSample();
    const figures = `baseline ${JSON.stringify(baseline)}, peak ${JSON.stringify(peak)}, after ${JSON.stringify(after)}`;
    // A leak would grow with the 30 sessions; a pooled keep-alive socket to Docker may stay open.
    expect(after.fds, figures).toBeLessThanOrEqual(baseline.fds + 3);
    // What the server still holds after a full GC: ended sessions stay listed for a while with
    // only their last ENDED_REPLAY_BYTES of output (plus at most one chunk), nothing else.
    expect(after.heap.arrayBuffers - baseline.heap.arrayBuffers, figures).toBeLessThanOrEqual(SESSIONS * (ENDED_REPLAY_BYTES + 64 * 1024));
    expect(after.heap.heapUsed - baseline.heap.heapUsed, figures).toBeLessThanOrEqual(8 * MiB);
    // RSS is the coarse check: the allocator keeps freed pages, SQLite keeps its page cache and
    // the recorders' write paths their buffers, and the first sessions load code paths the
    // baseline had not touched yet (about +20-37 MB after this run before the engines and
    // Kubernetes client arrived, +66 MB once in CI since, with the heap back at its baseline), so
    // it is bounded loosely; the heap and buffer checks above are the precise ones.
    expect(after.rssKiB - baseline.rssKiB, figures).toBeLessThanOrEqual((80 * MiB) / 1024);
    // Under load, memory stays within the flow-control bound (docs/protocol.md): per session
    // the replay buffer and one chunk, plus per client one window and one frame.
    const perSession = 4 * MiB + 64 * 1024 + FLOW_HIGH_WATERMARK + MAX_OUTPUT_FRAME;
    expect(peak.rssKiB - baseline.rssKiB, figures).toBeLessThanOrEqual((SESSIONS * perSession) / 1024);
  }, 120_000);
});
