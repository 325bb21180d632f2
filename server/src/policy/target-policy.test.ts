import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type ContainerSummary, type RoleTargetRules } from '@sonde/shared';
import { openMemoryDatabase } from '../store/database.js';
import { TargetPolicyStore, globToRegExp, refusal } from './target-policy.js';

const container = (name: string, labels: Record<string, string> = {}) => ({ id: `${name}-id`, name, labels }) as unknown as ContainerSummary;
const target = (c: ContainerSummary) => ({ kind: 'container' as const, containerId: c.id, containerName: c.name, sharePid: false });
const rules = (r: Partial<RoleTargetRules>): RoleTargetRules => ({ ...DEFAULT_POLICY.operator, ...r });

describe('target policy', () => {
  it('matches globs exactly, with regex characters literal', () => {
    expect(globToRegExp('web-*').test('web-1')).toBe(true);
    expect(globToRegExp('web-*').test('xweb-1')).toBe(false);
    expect(globToRegExp('a.b?').test('a.bc')).toBe(true);
    expect(globToRegExp('a.b?').test('axbc')).toBe(false);
  });

  it('refuses host and networks unless allowed', () => {
    expect(refusal(rules({ allowHost: false }), { kind: 'host' }, undefined)).toMatch(/host-namespace/);
    expect(refusal(rules({ allowHost: true }), { kind: 'host' }, undefined)).toBeUndefined();
    expect(refusal(rules({ allowNetworks: false }), { kind: 'network', networkId: 'n', networkName: 'n' }, undefined)).toMatch(/networks/);
  });

  it('applies deny labels, compose projects and name patterns to containers', () => {
    const web = container('shop-web-1', { 'com.docker.compose.project': 'shop', tier: 'front' });
    const db = container('billing-db', { 'com.docker.compose.project': 'billing', pci: 'true' });
    expect(refusal(rules({ denyLabels: ['pci'] }), target(db), db)).toMatch(/labelled pci/);
    expect(refusal(rules({ denyLabels: ['pci=false'] }), target(db), db)).toBeUndefined();
    expect(refusal(rules({ composeProjects: ['shop'] }), target(db), db)).toMatch(/compose projects shop/);
    expect(refusal(rules({ composeProjects: ['shop'] }), target(web), web)).toBeUndefined();
    expect(refusal(rules({ namePatterns: ['shop-*'] }), target(db), db)).toMatch(/named like/);
    expect(refusal(rules({ namePatterns: ['shop-*'] }), target(web), web)).toBeUndefined();
  });

  it('stores the policy, and viewers reach nothing whatever it says', () => {
    const store = new TargetPolicyStore(openMemoryDatabase());
    expect(store.get()).toEqual(DEFAULT_POLICY);
    expect(() => store.check('operator', { kind: 'host' }, [])).toThrow(/host-namespace/);
    expect(() => store.check('admin', { kind: 'host' }, [])).not.toThrow();
    expect(() => store.check('viewer', { kind: 'host' }, [])).toThrow(/Viewers/);
    store.set({ ...DEFAULT_POLICY, operator: { ...DEFAULT_POLICY.operator, allowHost: true } });
    expect(() => store.check('operator', { kind: 'host' }, [])).not.toThrow();
  });
});
