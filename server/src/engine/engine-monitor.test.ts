import { describe, expect, it } from 'vitest';
import { EngineMonitor } from './engine-monitor.js';
import type { EngineEventStream, ToolboxEngine } from './types.js';

/**
 * One event stream per engine, however many health probes come while it is being opened. A
 * cluster's stream is its lists and watches: a probe during the first lists used to open a second
 * set (found by the Kubernetes browser test, whose recording holds each list once).
 */
describe('EngineMonitor', () => {
  function slowEngine() {
    let opened = 0;
    let closed = 0;
    let release: () => void = () => undefined;
    const listed = new Promise<void>((resolve) => (release = resolve));
    const engine = {
      name: 'prod',
      endpoint: 'https://cluster.example:6443',
      info: async () => ({ version: 'v1.31.4' }),
      openEvents: async (): Promise<EngineEventStream> => {
        opened++;
        await listed;
        return { onEvent: () => undefined, onEnd: () => undefined, close: () => void closed++ };
      },
    } as unknown as ToolboxEngine;
    return { engine, release, opened: () => opened, closed: () => closed };
  }

  it('opens one stream when probes come while the first is being opened', async () => {
    const fake = slowEngine();
    const monitor = new EngineMonitor(fake.engine);
    monitor.start();
    await expect.poll(() => fake.opened()).toBe(1);
    // Health checks while the cluster is still answering the first lists.
    expect(await monitor.probe()).toMatchObject({ reachable: true });
    expect(await monitor.probe()).toMatchObject({ reachable: true });
    fake.release();
    await expect.poll(() => monitor.current).toMatchObject({ reachable: true, version: 'v1.31.4' });
    expect(await monitor.probe()).toMatchObject({ reachable: true });
    expect(fake.opened()).toBe(1);
    monitor.dispose();
    expect(fake.closed()).toBe(1);
  });

  it('a probe after the stream is gone opens it again, once', async () => {
    const fake = slowEngine();
    fake.release();
    const monitor = new EngineMonitor(fake.engine);
    await monitor.probe();
    await monitor.probe();
    await expect.poll(() => fake.opened()).toBe(1);
    monitor.dispose();
  });
});
