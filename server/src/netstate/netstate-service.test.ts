import { describe, expect, it } from 'vitest';
import type { NetstateChange, ResolvedTarget } from '@sonde/shared';
import { AuditLog } from '../audit/audit-log.js';
import { EngineSet } from '../engine/engine-set.js';
import type { ContainerEngine } from '../engine/types.js';
import type { Session, SessionObserver } from '../sessions/session.js';
import type { SessionRegistry } from '../sessions/session-registry.js';
import { openMemoryDatabase } from '../store/database.js';
import type { NamespaceProbe } from './namespace-probe.js';
import type { NetSnapshot } from './netstate-snapshot.js';
import { NetstateService } from './netstate-service.js';
import { NetstateStore } from './netstate-store.js';

/** The service's decisions with a fake engine, registry and probe (the real ones: server/test/netstate.test.ts). */

const CONTAINER: ResolvedTarget = { kind: 'container', engine: 'local', containerId: 'c'.repeat(64), containerName: 'web', sharePid: false };
const snap = (rules: string): NetSnapshot => ({ takenAt: 'now', sections: { iptables: { status: 'ok', text: rules }, tc: { status: 'ok', text: 'qdisc noqueue 0: dev eth0 root refcnt 2' } } });
const EMPTY = snap('');
const DROP = snap('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 9 -j DROP\nCOMMIT');

function setup(snapshots: NetSnapshot[]) {
  const db = openMemoryDatabase();
  const audit = new AuditLog(db);
  const store = new NetstateStore(db);
  let started: ((session: Session) => void) | undefined;
  const registry = { onStarted: (listener: (session: Session) => void) => ((started = listener), () => undefined) } as unknown as SessionRegistry;
  const engine = { kind: 'docker', name: 'local', inspectContainer: async () => ({ id: CONTAINER.kind === 'container' ? CONTAINER.containerId : '', name: 'web', running: true, labels: {}, startedAt: 't0' }) } as unknown as ContainerEngine;
  const engines = new EngineSet([{ engine }], { deadlineMs: 1000, log: { info: () => undefined, warn: () => undefined } });
  const probed: ResolvedTarget[] = [];
  const probe = {
    snapshot: async (target: ResolvedTarget) => {
      probed.push(target);
      const next = snapshots.shift();
      if (!next) throw new Error('no more snapshots');
      return { snapshot: next, elapsedMs: 5 };
    },
    restore: async () => {
      throw new Error('no restore expected');
    },
  } as unknown as NamespaceProbe;
  const service = new NetstateService({ engines, registry, store, audit, probe, log: { info: () => undefined, warn: () => undefined } });
  service.start();
  const emitted: NetstateChange[] = [];
  service.onChange((c) => emitted.push(c));

  /** A session that started, maybe typed, and ended. */
  const runSession = async (id: string, target: ResolvedTarget, typed: boolean) => {
    const observers: SessionObserver[] = [];
    const session = {
      id,
      target,
      owner: { id: 'user:1', name: 'ada' },
      createdAt: new Date(Date.now() - 1000),
      endReason: 'exited',
      observe: (o: SessionObserver) => (observers.push(o), () => undefined),
    } as unknown as Session;
    started!(session);
    await service.baselineTaken(id);
    if (typed) for (const o of observers) o.input?.({ id: 'user:1', name: 'ada', canManage: true }, Buffer.from('iptables …\r'));
    for (const o of observers) o.ended?.(session);
    await service.settled(id);
  };
  return { service, audit, emitted, probed, runSession };
}

describe('NetstateService', () => {
  it('records what a session changed: store, audit trail, event', async () => {
    const { service, audit, emitted, runSession } = setup([EMPTY, DROP]);
    await runSession('a'.repeat(32), CONTAINER, true);
    const [change] = service.list();
    expect(change).toMatchObject({ sessionId: 'a'.repeat(32), targetLabel: 'container web', revertible: true, sections: [{ section: 'iptables', added: 4, removed: 0 }] });
    expect(emitted).toEqual([change]);
    expect(audit.list()).toMatchObject([{ action: 'netstate-changed', actor: 'system', sessionId: 'a'.repeat(32), detail: { change: change!.id, sections: 'iptables +4 -0', owner: 'ada' } }]);
    expect(service.detail(change!.id).sections[0]!.diff).toContain('+ -A INPUT -p tcp -m tcp --dport 9 -j DROP');
  });

  it('records nothing when nothing changed, and takes no final snapshot when nobody typed', async () => {
    const { service, probed, runSession } = setup([DROP, DROP, EMPTY]);
    await runSession('b'.repeat(32), CONTAINER, true);
    expect(probed).toHaveLength(2);
    await runSession('c'.repeat(32), CONTAINER, false);
    expect(probed).toHaveLength(3);
    expect(service.list()).toEqual([]);
  });

  it('skips network sessions: their namespace is the toolbox’s own', async () => {
    const { probed, runSession } = setup([]);
    await runSession('d'.repeat(32), { kind: 'network', engine: 'local', networkId: 'n', networkName: 'backend' }, true);
    expect(probed).toEqual([]);
  });

  it("warns about the host but never reverts it", async () => {
    const { service, runSession } = setup([EMPTY, DROP]);
    await runSession('e'.repeat(32), { kind: 'host', engine: 'local' }, true);
    const [change] = service.list();
    expect(change).toMatchObject({ targetLabel: 'host', revertible: false });
    await expect(service.revert(change!.id, { id: 'user:1', name: 'ada' })).rejects.toMatchObject({ statusCode: 409, code: 'NETSTATE_NOT_REVERTIBLE' });
  });

  it('unknown ids are NETSTATE_NOT_FOUND', async () => {
    const { service } = setup([]);
    expect(() => service.detail('f'.repeat(32))).toThrow(expect.objectContaining({ statusCode: 404, code: 'NETSTATE_NOT_FOUND' }));
    await expect(service.revert('f'.repeat(32), { id: 'x', name: 'x' })).rejects.toMatchObject({ statusCode: 404 });
  });
});
