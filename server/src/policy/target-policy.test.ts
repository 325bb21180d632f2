import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type CompleteRoleRules, type ContainerSummary, type NetworkSummary } from '@sonde/shared';
import { openMemoryDatabase } from '../store/database.js';
import { TargetPolicyStore, globToRegExp, refusal, scopeOf, type PolicyContext, type PolicyInputs } from './target-policy.js';

const container = (name: string, labels: Record<string, string> = {}) => ({ id: `${name}-id`, name, labels }) as unknown as ContainerSummary;
const network = (name: string, members: ContainerSummary[], labels: Record<string, string> = {}): NetworkSummary => ({
  id: `${name}-net`,
  engine: 'local',
  attachable: false,
  name,
  driver: 'bridge',
  scope: 'local',
  internal: false,
  subnets: [],
  labels,
  containers: members.map((m) => ({ id: m.id, name: m.name })),
});
const target = (c: ContainerSummary, sharePid = false) => ({ kind: 'container' as const, engine: 'local', containerId: c.id, containerName: c.name, sharePid });
const joining = (n: NetworkSummary) => ({ kind: 'network' as const, engine: 'local', networkId: n.id, networkName: n.name });
const rules = (r: Partial<CompleteRoleRules>): CompleteRoleRules => ({ ...DEFAULT_POLICY.operator, ...r });

describe('target policy', () => {
  it('matches globs exactly, with regex characters literal', () => {
    expect(globToRegExp('web-*').test('web-1')).toBe(true);
    expect(globToRegExp('web-*').test('xweb-1')).toBe(false);
    expect(globToRegExp('a.b?').test('a.bc')).toBe(true);
    expect(globToRegExp('a.b?').test('axbc')).toBe(false);
  });

  it('refuses host and networks unless allowed', () => {
    const shop = network('shop', []);
    const context: PolicyContext = { engine: 'local', containers: [], networks: [shop] };
    expect(refusal(rules({ allowHost: false }), { kind: 'host', engine: 'local' }, context)).toMatch(/host-namespace/);
    expect(refusal(rules({ allowHost: true }), { kind: 'host', engine: 'local' }, context)).toBeUndefined();
    expect(refusal(rules({ allowNetworks: false }), joining(shop), context)).toMatch(/networks/);
    expect(refusal(rules({}), joining(shop), context)).toBeUndefined();
    expect(refusal(rules({}), joining(network('gone', [])), context)).toMatch(/not known/);
  });

  it('applies deny labels, compose projects and name patterns to containers', () => {
    const web = container('shop-web-1', { 'com.docker.compose.project': 'shop', tier: 'front' });
    const db = container('billing-db', { 'com.docker.compose.project': 'billing', pci: 'true' });
    const context: PolicyContext = { engine: 'local', containers: [web, db], networks: [] };
    expect(refusal(rules({ denyLabels: ['pci'] }), target(db), context)).toMatch(/labelled pci/);
    expect(refusal(rules({ denyLabels: ['pci=false'] }), target(db), context)).toBeUndefined();
    expect(refusal(rules({ composeProjects: ['shop'] }), target(db), context)).toMatch(/compose projects shop/);
    expect(refusal(rules({ composeProjects: ['shop'] }), target(web), context)).toBeUndefined();
    expect(refusal(rules({ namePatterns: ['shop-*'] }), target(db), context)).toMatch(/named like/);
    expect(refusal(rules({ namePatterns: ['shop-*'] }), target(web), context)).toBeUndefined();
  });

  it('applies deny labels, compose projects and name patterns to networks too', () => {
    const shop = network('shop_default', [], { 'com.docker.compose.project': 'shop' });
    const billing = network('billing_default', [], { 'com.docker.compose.project': 'billing', pci: 'true' });
    const context: PolicyContext = { engine: 'local', containers: [], networks: [shop, billing] };
    expect(refusal(rules({ composeProjects: ['shop'] }), joining(billing), context)).toMatch(/networks of the compose projects shop/);
    expect(refusal(rules({ composeProjects: ['shop'] }), joining(shop), context)).toBeUndefined();
    expect(refusal(rules({ namePatterns: ['shop*'] }), joining(billing), context)).toMatch(/networks named like/);
    expect(refusal(rules({ denyLabels: ['pci=true'] }), joining(billing), context)).toMatch(/networks labelled pci=true/);
  });

  it('refuses sensitive networks (a denied member or the console) unless the role may join them', () => {
    const secret = container('vault', { 'sonde.deny': 'true' });
    const pci = container('card-db', { pci: 'yes' });
    const console = container('sonde-console');
    const plain = container('web');
    const withSecret = network('back', [plain, secret]);
    const withPci = network('cards', [plain, pci]);
    const withConsole = network('ops', [plain, console]);
    const context: PolicyContext = { engine: 'local', containers: [secret, pci, console, plain], networks: [withSecret, withPci, withConsole], isConsole: (id) => id === console.id };
    expect(refusal(rules({}), joining(withSecret), context)).toMatch(/sensitive \(its member vault is labelled sonde.deny=true\)/);
    expect(refusal(rules({ denyLabels: ['pci'] }), joining(withPci), context)).toMatch(/its member card-db is labelled pci/);
    expect(refusal(rules({}), joining(withPci), context)).toBeUndefined();
    expect(refusal(rules({}), joining(withConsole), context)).toMatch(/the Sonde console itself/);
    expect(refusal(rules({ allowSensitiveNetworks: true }), joining(withSecret), context)).toBeUndefined();
    expect(refusal(DEFAULT_POLICY.admin, joining(withConsole), context)).toBeUndefined();
  });

  it("refuses a network with a member the role's Compose or name rules refuse: joining it would reach that member", () => {
    const web = container('shop-web', { 'com.docker.compose.project': 'shop' });
    const vault = container('vault');
    const toolbox = container('sonde-3f2a', { 'sonde.managed': 'true' });
    const shared = network('shop-net', [web, vault]);
    const withToolbox = network('shop-tools', [web, toolbox]);
    // A Swarm network's load balancer is an endpoint, not a container.
    const withBalancer: NetworkSummary = { ...network('shop-overlay', [web]), containers: [{ id: web.id, name: web.name }, { id: 'lb-shop-overlay', name: 'shop-overlay-endpoint' }] };
    const context: PolicyContext = { engine: 'local', containers: [web, vault, toolbox], networks: [shared, withToolbox, withBalancer] };
    expect(refusal(rules({ namePatterns: ['shop-*'] }), joining(shared), context)).toMatch(/sensitive \(its member vault is outside your role's policy: only containers named like shop-\* are allowed\)/);
    expect(refusal(rules({ composeProjects: ['shop'] }), joining({ ...shared, labels: { 'com.docker.compose.project': 'shop' } }), { ...context, networks: [{ ...shared, labels: { 'com.docker.compose.project': 'shop' } }] })).toMatch(/its member vault is outside your role's policy: only containers of the compose projects shop/);
    expect(refusal(rules({ namePatterns: ['shop-*'], allowSensitiveNetworks: true }), joining(shared), context)).toBeUndefined();
    expect(refusal(rules({}), joining(shared), context)).toBeUndefined();
    // Sonde's own toolboxes and Docker's own endpoints are not targets.
    expect(refusal(rules({ namePatterns: ['shop-*'] }), joining(withToolbox), context)).toBeUndefined();
    expect(refusal(rules({ namePatterns: ['shop-*'] }), joining(withBalancer), context)).toBeUndefined();
    // A container missing from the listing is judged on its name.
    const unlisted = network('shop-late', [web]);
    unlisted.containers.push({ id: 'a'.repeat(64), name: 'late-vault' });
    expect(refusal(rules({ namePatterns: ['shop-*'] }), joining(unlisted), { ...context, networks: [unlisted] })).toMatch(/its member late-vault is outside/);
  });

  it('makes joining a container\'s processes a switch per role', () => {
    const web = container('web');
    const context: PolicyContext = { engine: 'local', containers: [web], networks: [] };
    expect(refusal(rules({}), target(web, true), context)).toBeUndefined();
    expect(refusal(rules({ allowSharePid: false }), target(web, true), context)).toMatch(/processes/);
    expect(refusal(rules({ allowSharePid: false }), target(web, false), context)).toBeUndefined();
  });

  it('stores the policy, fills switches an older document lacks, and viewers reach nothing', () => {
    const db = openMemoryDatabase();
    const store = new TargetPolicyStore(db);
    const none: PolicyContext = { engine: 'local', containers: [], networks: [] };
    expect(store.get()).toEqual(DEFAULT_POLICY);
    expect(() => store.check('operator', { kind: 'host', engine: 'local' }, none)).toThrow(/host-namespace/);
    expect(() => store.check('admin', { kind: 'host', engine: 'local' }, none)).not.toThrow();
    expect(() => store.check('viewer', { kind: 'host', engine: 'local' }, none)).toThrow(/Viewers/);
    let changes = 0;
    store.onChange(() => changes++);
    store.set({ ...DEFAULT_POLICY, operator: { allowHost: true, allowNetworks: true, composeProjects: [], namePatterns: [], denyLabels: [] } });
    expect(changes).toBe(1);
    expect(() => store.check('operator', { kind: 'host', engine: 'local' }, none)).not.toThrow();
    expect(store.get().operator).toMatchObject({ allowSensitiveNetworks: false, allowSharePid: true });
    expect(new TargetPolicyStore(db).get()).toEqual(store.get());
  });
});

describe('target policy on Kubernetes targets', () => {
  const pod = { namespace: 'shop', name: 'cart-1', uid: 'u1', labels: { app: 'cart', tier: 'back' } };
  const hostPod = { namespace: 'kube-system', name: 'kube-proxy-x', uid: 'u2', labels: {}, hostNetwork: true };
  const context: PolicyInputs = {
    containers: [],
    networks: [],
    pods: [pod, hostPod],
    namespaces: [
      { name: 'shop', labels: { team: 'shop' } },
      { name: 'kube-system', labels: {} },
    ],
    nodes: [
      { name: 'w1', labels: {} },
      { name: 'w2', labels: { 'sonde.deny': 'true' } },
    ],
  };
  const onPod = (p: { namespace: string; name: string; uid: string }) => ({ kind: 'pod' as const, engine: 'prod', namespace: p.namespace, pod: p.name, podUid: p.uid, container: 'app' });
  const onNode = (node: string) => ({ kind: 'node' as const, engine: 'prod', node });

  it('allows pods by default, and limits them by namespace globs and label selectors', () => {
    expect(refusal(rules({}), onPod(pod), context)).toBeUndefined();
    expect(refusal(rules({ namespaces: ['sh*'] }), onPod(pod), context)).toBeUndefined();
    expect(refusal(rules({ namespaces: ['payments'] }), onPod(pod), context)).toMatch(/only pods in the namespaces payments/);
    expect(refusal(rules({ podSelectors: ['app=cart,tier!=front'] }), onPod(pod), context)).toBeUndefined();
    expect(refusal(rules({ podSelectors: ['app in (web,db)', '!tier'] }), onPod(pod), context)).toMatch(/only pods matching/);
    expect(refusal(rules({ namePatterns: ['web-*'] }), onPod(pod), context)).toMatch(/named like web-\*/);
  });

  it('refuses by deny labels on pods and on their namespaces, and unknown pods', () => {
    expect(refusal(rules({ denyLabels: ['tier=back'] }), onPod(pod), context)).toMatch(/labelled tier=back/);
    expect(refusal(rules({ denyLabels: ['team'] }), onPod(pod), context)).toMatch(/namespaces labelled team/);
    expect(refusal(rules({}), onPod({ ...pod, uid: 'replaced' }), context)).toMatch(/not known/);
    expect(refusal(rules({}), onPod(pod), { ...context, pods: [{ ...pod, labels: { 'sonde.deny': 'true' } }] })).toMatch(/sonde.deny=true/);
    expect(refusal(rules({}), onPod(pod), { ...context, namespaces: [{ name: 'shop', labels: { 'sonde.deny': 'true' } }] })).toMatch(/namespace shop is labelled sonde.deny=true/);
  });

  it('treats nodes and hostNetwork pods like host shells: admins only by default', () => {
    expect(refusal(DEFAULT_POLICY.operator, onNode('w1'), context)).toMatch(/node's own namespace is not allowed/);
    expect(refusal(DEFAULT_POLICY.admin, onNode('w1'), context)).toBeUndefined();
    expect(refusal(DEFAULT_POLICY.admin, onNode('w2'), context)).toMatch(/sonde.deny=true/);
    expect(refusal(DEFAULT_POLICY.admin, onNode('w9'), context)).toMatch(/not known/);
    expect(refusal(DEFAULT_POLICY.operator, onPod(hostPod), context)).toMatch(/hostNetwork/);
    expect(refusal(DEFAULT_POLICY.admin, onPod(hostPod), context)).toBeUndefined();
  });

  it('keeps a pod scope to the pod and its namespace, and refuses a policy whose selector does not parse', () => {
    expect(scopeOf(onPod(pod), context)).toEqual({ containers: [], networks: [], pods: [pod], namespaces: [{ name: 'shop', labels: { team: 'shop' } }] });
    const store = new TargetPolicyStore(openMemoryDatabase());
    expect(() => store.set({ operator: { ...DEFAULT_POLICY.operator, podSelectors: ['app in (web'] }, admin: DEFAULT_POLICY.admin })).toThrow(/body.operator.podSelectors\[0\] is not a label selector/);
  });
});
