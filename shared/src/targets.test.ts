import { describe, expect, it } from 'vitest';
import { describeTarget } from './targets.js';

describe('describeTarget', () => {
  const web = { kind: 'container', containerId: 'x', containerName: 'web-1', sharePid: false } as const;
  const withPid = { ...web, sharePid: true } as const;
  const backend = { kind: 'network', networkId: 'n', networkName: 'backend' } as const;

  it('labels targets for the audit trail and recordings', () => {
    expect([web, backend, { kind: 'host' } as const].map((t) => describeTarget(t))).toEqual(['container web-1', 'network backend', 'host']);
  });

  it('names them shortly for tabs and toolboxes', () => {
    expect([web, withPid, backend, { kind: 'host' } as const].map((t) => describeTarget(t, 'short'))).toEqual(['web-1 (net)', 'web-1 (net+pid)', 'net: backend', 'host']);
  });

  it('says what the toolbox is attached to, for headings', () => {
    expect(describeTarget(withPid, 'long')).toBe('Network and process namespaces of container web-1');
    expect(describeTarget(backend, 'long')).toBe('Toolbox attached to network backend');
    expect(describeTarget({ kind: 'host' }, 'long')).toBe('Host network namespace');
  });
});
