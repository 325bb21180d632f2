import { ContainerList } from '@sonde/shared';
import { Value } from 'typebox/value';
import type { BenchContext } from './context.js';
import { TARGET_IMAGE } from './context.js';
import { BENCH_LABELS, docker } from './raw-toolbox.js';
import { nowMs, sleep, spread, type Spread } from './stats.js';

/**
 * GET /api/containers with many containers on the engine, against dockerode's
 * listContainers({all: true}) (the Docker call it wraps). The containers are busybox
 * `sleep`s without a network, labelled and removed after; one in ten is started (starting
 * takes ~0.3 s each here, and the list shows stopped containers as well as running ones).
 */
const STARTED_EVERY = 10;

export interface InventoryResults {
  /** Containers listContainers returned: those made here plus whatever else is on the engine. */
  containers: number;
  /** Containers made for the measurement. */
  created: number;
  started: number;
  raw: Spread;
  /** Through @sonde/client, as a script sees it: HTTP, auth, mapping, JSON and the client's check of the reply. */
  sonde: Spread;
  /** Of `sonde`: the client's Value.Check of the list against the shared schema, timed alone on the same reply. */
  clientCheck: Spread;
  ratio: number;
  createSeconds: number;
  removeSeconds: number;
}

async function inParallel(count: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

export async function runInventoryBench(ctx: BenchContext, log: (line: string) => void, options: { count: number; runs: number }): Promise<InventoryResults> {
  const ids: string[] = [];
  const c0 = nowMs();
  try {
    await inParallel(options.count, 8, async (i) => {
      const container = await docker.createContainer({ Image: TARGET_IMAGE, Cmd: ['sleep', '3600'], Labels: BENCH_LABELS, HostConfig: { NetworkMode: 'none' } });
      ids.push(container.id);
      if (i % STARTED_EVERY === 0) await container.start();
    });
    const createSeconds = (nowMs() - c0) / 1000;
    log(`  ${ids.length} containers in ${createSeconds.toFixed(1)} s`);

    let seen = 0;
    const timeRaw = async () => {
      const t0 = nowMs();
      const list = await docker.listContainers({ all: true });
      seen = list.length;
      return nowMs() - t0;
    };
    // As a script sees it: through the typed client, the reply checked against the shared schema.
    // That check is timed again alone on the same list, to show its share.
    const checks: number[] = [];
    const timeSonde = async () => {
      const t0 = nowMs();
      const list = await ctx.sonde.client.containers();
      const ms = nowMs() - t0;
      if (list.length < options.count) throw new Error(`GET /api/containers: ${list.length} items, expected at least ${options.count}`);
      const c0 = nowMs();
      if (!Value.Check(ContainerList, list)) throw new Error('GET /api/containers: the checked list no longer checks');
      checks.push(nowMs() - c0);
      return ms;
    };
    for (let i = 0; i < 3; i++) {
      await timeRaw();
      await timeSonde();
    }
    checks.length = 0;
    const raw: number[] = [];
    const sonde: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      if (i % 2 === 0) {
        raw.push(await timeRaw());
        sonde.push(await timeSonde());
      } else {
        sonde.push(await timeSonde());
        raw.push(await timeRaw());
      }
      await sleep(20);
    }
    const r0 = nowMs();
    await inParallel(ids.length, 8, (i) => docker.getContainer(ids[i]!).remove({ force: true }));
    const removeSeconds = (nowMs() - r0) / 1000;
    ids.length = 0;
    const rawS = spread(raw);
    const sondeS = spread(sonde);
    return {
      containers: seen,
      created: options.count,
      started: Math.ceil(options.count / STARTED_EVERY),
      raw: rawS,
      sonde: sondeS,
      clientCheck: spread(checks),
      ratio: sondeS.median / rawS.median,
      createSeconds,
      removeSeconds,
    };
  } finally {
    if (ids.length) await inParallel(ids.length, 8, (i) => docker.getContainer(ids[i]!).remove({ force: true }).catch(() => undefined));
  }
}
