import { describe, expect, it } from 'vitest';
import { EngineSet } from './engine-set.js';
import type { ContainerEngine, EngineFacts } from './types.js';

/**
 * The deadline of calls to every engine, with fake engines (a hung one never answers). The same
 * against real nested engines, one of them paused: server/test/engine-transports.test.ts.
 */

const quiet = { info: () => undefined, warn: () => undefined };

function engine(name: string, info: () => Promise<EngineFacts>): ContainerEngine {
  return { name, endpoint: `tcp://${name}:2375`, info, listContainers: async () => [] } as unknown as ContainerEngine;
}

const answers = (name: string) => engine(name, async () => ({ version: '27.0' }));
const hangs = (name: string) => engine(name, () => new Promise<never>(() => undefined));

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe('EngineSet deadline (SONDE_ENGINE_DEADLINE_MS)', () => {
  it('health, and GET /api/engines with it, answer within the configured deadline, the hung engine unreachable', async () => {
    const engines = new EngineSet([{ engine: answers('local') }, { engine: hangs('hung') }], { deadlineMs: 300, log: quiet });
    const { value: health, ms } = await timed(() => engines.health());
    expect(health).toMatchObject({ status: 'degraded', engines: [{ name: 'local', reachable: true }, { name: 'hung', reachable: false, error: 'tcp://hung:2375 did not answer within 300 ms' }] });
    // Not the monitor's own 3 s: a console configured for 300 ms answers in about that.
    expect(ms).toBeLessThan(1000);
    const { value: described, ms: describeMs } = await timed(() => engines.describe(false));
    expect(described.map((e) => [e.name, e.reachable])).toEqual([
      ['local', true],
      ['hung', false],
    ]);
    expect(describeMs).toBeLessThan(1000);
    engines.dispose();
  });

  it('a fan-out leaves the hung engine out after the deadline and says which', async () => {
    const engines = new EngineSet([{ engine: answers('local') }, { engine: hangs('hung') }], { deadlineMs: 200, log: quiet });
    const { value, ms } = await timed(() => engines.gather((h) => (h.name === 'hung' ? new Promise<never>(() => undefined) : Promise.resolve(h.name))));
    expect(value).toEqual({ values: [{ engine: 'local', value: 'local' }], failed: [{ engine: 'hung', error: 'engine hung did not answer within 200 ms' }] });
    expect(ms).toBeGreaterThanOrEqual(190);
    expect(ms).toBeLessThan(1000);
    engines.dispose();
  });
});
