import { describe, expect, it } from 'vitest';
import type { ContainerSummary } from '@sonde/shared';
import { pickPeerAddress } from './peer-address.js';

function container(id: string, networks: { name: string; ipv4?: string }[]): ContainerSummary {
  return { id, engine: 'local', name: id, image: 'img', state: 'running', status: 'Up', networks, ports: [], labels: {}, toolbox: false };
}

describe('pickPeerAddress', () => {
  const db = container('db', [
    { name: 'backend', ipv4: '10.1.0.5' },
    { name: 'monitoring', ipv4: '10.2.0.5' },
  ]);
  const api = container('api', [{ name: 'frontend', ipv4: '10.3.0.2' }, { name: 'backend', ipv4: '10.1.0.2' }]);
  const lonely = container('lonely', [{ name: 'other', ipv4: '10.9.0.2' }]);
  const all = [db, api, lonely];

  it('uses the address on a network both containers are on', () => {
    expect(pickPeerAddress(db, { kind: 'container', engine: 'local', containerId: 'api', containerName: 'api', sharePid: false }, all)).toBe('10.1.0.5');
  });

  it('has no answer when they share no network', () => {
    expect(pickPeerAddress(db, { kind: 'container', engine: 'local', containerId: 'lonely', containerName: 'lonely', sharePid: false }, all)).toBeUndefined();
  });

  it('uses loopback inside one namespace, the joined network, or any address from the host', () => {
    expect(pickPeerAddress(db, { kind: 'container', engine: 'local', containerId: 'db', containerName: 'db', sharePid: false }, all)).toBe('127.0.0.1');
    expect(pickPeerAddress(db, { kind: 'network', engine: 'local', networkId: 'n', networkName: 'monitoring' }, all)).toBe('10.2.0.5');
    expect(pickPeerAddress(db, { kind: 'network', engine: 'local', networkId: 'n', networkName: 'frontend' }, all)).toBeUndefined();
    expect(pickPeerAddress(db, { kind: 'host', engine: 'local' }, all)).toBe('10.1.0.5');
  });
});
