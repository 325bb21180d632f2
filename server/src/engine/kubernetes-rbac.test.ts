/**
 * deploy/kubernetes grants the console exactly what it calls: every request in the recorded
 * exchanges (server/test/fixtures/kubernetes/, which the contract tests prove are ALL the calls
 * Sonde makes) is mapped to the request attributes the API server authorizes (verb, API group,
 * resource, subresource, namespace: "Authorization > Determine the request verb" of the
 * Kubernetes reference) and must be allowed by the manifests' roles; and every verb a role grants
 * must be needed by some recorded request, so the RBAC cannot quietly grow.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadAllYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url);
const FIXTURES = new URL('server/test/fixtures/kubernetes/', ROOT);
const DEPLOY = new URL('deploy/kubernetes/', ROOT);
/** The namespace the manifests run the console in (and where the recordings' node pods live). */
const SONDE_NAMESPACE = 'sonde';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
interface Grant {
  role: string;
  /** undefined: cluster-wide (a ClusterRole bound by a ClusterRoleBinding). */
  namespace: string | undefined;
  rules: Rule[];
}
interface Attributes {
  verbs: string[];
  group: string;
  resource: string;
  namespace: string | undefined;
  request: string;
}

/** The manifests' roles, as bound to the console's ServiceAccount. */
function grants(): Grant[] {
  const docs = readdirSync(DEPLOY)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((f) => loadAllYaml(readFileSync(new URL(f, DEPLOY), 'utf8')) as { kind: string; metadata: { name: string; namespace?: string }; rules?: Rule[]; roleRef?: { kind: string; name: string }; subjects?: { kind: string; name: string; namespace: string }[] }[]);
  const roles = new Map(docs.filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role').map((d) => [`${d.kind}/${d.metadata.name}`, d]));
  return docs
    .filter((d) => (d.kind === 'ClusterRoleBinding' || d.kind === 'RoleBinding') && d.subjects?.some((s) => s.kind === 'ServiceAccount' && s.name === 'sonde' && s.namespace === SONDE_NAMESPACE))
    .map((binding) => {
      const role = roles.get(`${binding.roleRef!.kind}/${binding.roleRef!.name}`);
      if (!role) throw new Error(`${binding.metadata.name} binds a role the manifests do not define`);
      return { role: role.metadata.name, namespace: binding.kind === 'RoleBinding' ? binding.metadata.namespace : undefined, rules: role.rules ?? [] };
    });
}

/** What the API server authorizes for one recorded request; undefined for non-resource URLs (/version). */
function attributesOf(method: string, path: string, query: Record<string, unknown> | undefined): Attributes | undefined {
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(\/.*)$/.exec(path);
  if (!m) return undefined;
  const group = m[1] ?? '';
  let parts = m[2]!.split('/').filter(Boolean);
  let namespace: string | undefined;
  // /api/v1/namespaces/{ns}/{resource}…; /api/v1/namespaces/{name} is the namespace itself.
  if (parts[0] === 'namespaces' && parts.length > 2) {
    namespace = parts[1];
    parts = parts.slice(2);
  }
  const [resource, name, sub] = parts as [string, string | undefined, string | undefined];
  const request = `${method} ${path}`;
  const full = sub ? `${resource}/${sub}` : resource;
  // exec and attach are websocket upgrades (GET): older servers authorize "get", newer "create".
  if (sub === 'exec' || sub === 'attach') return { verbs: ['get', 'create'], group, resource: full, namespace, request };
  const verb = ({ POST: 'create', PATCH: 'patch', PUT: 'update', DELETE: name ? 'delete' : 'deletecollection' } as Record<string, string>)[method] ?? (name ? 'get' : query?.watch === 'true' || query?.watch === true ? 'watch' : 'list');
  return { verbs: [verb], group, resource: full, namespace, request };
}

function recorded(): Attributes[] {
  const all: Attributes[] = [];
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))) {
    const recording = JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as { exchanges: { request: { method: string; path: string; query?: Record<string, unknown> } }[] };
    for (const { request } of recording.exchanges) {
      const attributes = attributesOf(request.method, request.path, request.query);
      if (attributes) all.push(attributes);
    }
  }
  return all;
}

function allows(grant: Grant, a: Attributes, verb: string): boolean {
  if (grant.namespace !== undefined && grant.namespace !== a.namespace) return false;
  return grant.rules.some((r) => r.apiGroups.includes(a.group) && r.resources.includes(a.resource) && r.verbs.includes(verb));
}

describe('deploy/kubernetes RBAC', () => {
  const roles = grants();
  const requests = recorded();

  it('reads the recordings and the roles bound to the console’s ServiceAccount', () => {
    expect(requests.length).toBeGreaterThan(40);
    expect(roles.map((g) => [g.role, g.namespace])).toEqual([
      ['sonde-inventory-and-pods', undefined],
      ['sonde-node-pods', SONDE_NAMESPACE],
    ]);
  });

  it('allows every recorded call', () => {
    const refused = requests.flatMap((a) => a.verbs.filter((verb) => !roles.some((g) => allows(g, a, verb))).map((verb) => `${verb} ${a.resource} (${a.request})`));
    expect([...new Set(refused)]).toEqual([]);
  });

  it('grants nothing no recorded call needs, and writes pods only in Sonde’s own namespace', () => {
    const unused: string[] = [];
    for (const grant of roles) {
      for (const rule of grant.rules) {
        for (const group of rule.apiGroups) {
          for (const resource of rule.resources) {
            for (const verb of rule.verbs) {
              const needed = requests.some((a) => a.group === group && a.resource === resource && a.verbs.includes(verb) && (grant.namespace === undefined || grant.namespace === a.namespace));
              if (!needed) unused.push(`${grant.role}: ${verb} ${group || 'core'}/${resource}`);
            }
          }
        }
      }
    }
    expect(unused).toEqual([]);
    const podWrites = requests.filter((a) => a.resource === 'pods' && (a.verbs.includes('create') || a.verbs.includes('delete')));
    expect(podWrites.length).toBeGreaterThan(0);
    expect(podWrites.every((a) => a.namespace === SONDE_NAMESPACE)).toBe(true);
  });
});
