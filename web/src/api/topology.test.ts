import type { SondeClient } from '@sonde/client';
import type { Topology } from '@sonde/shared';
import { describe, expect, it } from 'vitest';
import { TopologyMap } from './topology';

const graph = (engine: string): Topology => ({ nodes: [{ id: `engine:${engine}`, kind: 'engine', label: engine, engine }], edges: [], unreachable: [], at: '2026-01-01T00:00:00.000Z' });

/** A client that answers GET /api/topology and records the queries it was asked. */
function recordingClient(): { client: SondeClient; asked: (string | undefined)[] } {
  const asked: (string | undefined)[] = [];
  const client = {
    topology: (query: { engine?: string } = {}) => {
      asked.push(query.engine);
      return Promise.resolve(graph(query.engine ?? 'every'));
    },
  } as unknown as SondeClient;
  return { client, asked };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('TopologyMap', () => {
  it('keeps one graph per engine asked for, and the whole map apart', async () => {
    const { client, asked } = recordingClient();
    const map = new TopologyMap(client);
    const offAll = map.watch();
    const offNode2 = map.watch('node2');
    await settle();
    expect(asked).toEqual([undefined, 'node2']);
    expect(map.graph().data?.nodes[0]?.label).toBe('every');
    expect(map.graph('node2').data?.nodes[0]?.label).toBe('node2');
    expect(map.graph('node2')).toBe(map.graph('node2'));
    offAll();
    offNode2();
    map.dispose();
  });

  it('refetches on a change only the graphs a page shows now', async () => {
    const { client, asked } = recordingClient();
    const map = new TopologyMap(client);
    const offAll = map.watch();
    const offNode2 = map.watch('node2');
    await settle();
    offAll();
    // Released twice: counted once.
    offAll();
    asked.length = 0;
    map.changed();
    await settle();
    expect(asked).toEqual(['node2']);
    offNode2();
    asked.length = 0;
    map.changed();
    await settle();
    expect(asked).toEqual([]);
    map.dispose();
  });
});
