import {
  DEFAULT_POLICY,
  ErrorCode,
  completePolicy,
  type CompletePolicy,
  type CompleteRoleRules,
  type ContainerSummary,
  type KubeNamespace,
  type KubeNode,
  type KubePod,
  type NetworkSummary,
  type ResolvedTarget,
  type Role,
  type TargetPolicy,
} from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import { migrate, type Database } from '../store/database.js';
import { CONSOLE_LABEL, DENY_LABEL } from '../toolboxes/target-resolver.js';
import { LABELS } from '../toolboxes/toolbox-spec.js';
import { LabelSelectorError, parseLabelSelector } from './label-selector.js';

/** Compose's project label: how containers and networks are grouped by project. */
const COMPOSE_PROJECT = 'com.docker.compose.project';

/** `*` any run of characters, `?` one; everything else literal. Anchored at both ends. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function labelMatches(labels: Record<string, string>, rule: string): boolean {
  const eq = rule.indexOf('=');
  if (eq < 0) return Object.hasOwn(labels, rule);
  return labels[rule.slice(0, eq)] === rule.slice(eq + 1);
}

/** What the policy may look at besides the target: the engine's inventory and the console's own container. */
type Labelled = Pick<ContainerSummary, 'id' | 'name' | 'labels'>;

/** A Kubernetes pod as the policy reads it. */
export interface LabelledPod {
  namespace: string;
  name: string;
  uid: string;
  labels: Record<string, string>;
  /** It runs in its node's network namespace. */
  hostNetwork?: boolean;
}

/** A Kubernetes namespace or node as the policy reads it. */
export interface LabelledObject {
  name: string;
  labels: Record<string, string>;
}

/**
 * What a policy decision reads: containers with their labels, networks with their members; on
 * a Kubernetes engine, pods, their namespaces and nodes with their labels.
 */
export interface PolicyInputs {
  containers: readonly Labelled[];
  networks: readonly NetworkSummary[];
  pods?: readonly LabelledPod[];
  namespaces?: readonly LabelledObject[];
  nodes?: readonly LabelledObject[];
  /** Whether a container id is the console's own (by id, whatever its labels say). */
  isConsole?: (containerId: string) => boolean;
}

/** The inventory a target is resolved and first checked against: one engine's, whole container summaries. */
export interface PolicyContext extends PolicyInputs {
  engine: string;
  containers: readonly ContainerSummary[];
  pods?: readonly KubePod[];
  namespaces?: readonly KubeNamespace[];
  nodes?: readonly KubeNode[];
}

/**
 * The part of the inventory a decision about one target reads: the target container, or the
 * target network and its members. Kept with what a session produced (its screen, its
 * recording), so who may read that is decided by the same rules as who may open the target,
 * long after the inventory changed. Plain data: the console's own container is marked with its
 * label, so the scope can be stored.
 */
export interface PolicyScope {
  containers: Labelled[];
  networks: NetworkSummary[];
  /** Kubernetes targets: the pod and its namespace, or the node. Absent in scopes stored before them. */
  pods?: LabelledPod[];
  namespaces?: LabelledObject[];
  nodes?: LabelledObject[];
}

export function scopeOf(target: ResolvedTarget, context: PolicyInputs): PolicyScope {
  const lite = (c: Labelled): Labelled => ({
    id: c.id,
    name: c.name,
    labels: context.isConsole?.(c.id) ? { ...c.labels, [CONSOLE_LABEL]: 'true' } : c.labels,
  });
  switch (target.kind) {
    case 'host':
      return { containers: [], networks: [] };
    case 'network-namespace':
      return { containers: [], networks: context.networks.filter((n) => n.id === target.networkId) };
    case 'container':
      return { containers: context.containers.filter((c) => c.id === target.containerId).map(lite), networks: [] };
    case 'network': {
      const networks = context.networks.filter((n) => n.id === target.networkId);
      const members = new Set(networks.flatMap((n) => n.containers.map((m) => m.id)));
      return { containers: context.containers.filter((c) => members.has(c.id)).map(lite), networks };
    }
    case 'pod':
      return {
        containers: [],
        networks: [],
        pods: (context.pods ?? []).filter((p) => p.uid === target.podUid).map((p) => ({ namespace: p.namespace, name: p.name, uid: p.uid, labels: p.labels, ...(p.hostNetwork ? { hostNetwork: true } : {}) })),
        namespaces: (context.namespaces ?? []).filter((n) => n.name === target.namespace).map((n) => ({ name: n.name, labels: n.labels })),
      };
    case 'node':
      return { containers: [], networks: [], nodes: (context.nodes ?? []).filter((n) => n.name === target.node).map((n) => ({ name: n.name, labels: n.labels })) };
  }
}

/** The rules every labelled object (container, network or pod) passes: deny labels, Compose projects, names. */
function objectRefusal(rules: CompleteRoleRules, what: 'containers' | 'networks' | 'pods', name: string, labels: Record<string, string>): string | undefined {
  const denied = rules.denyLabels.find((rule) => labelMatches(labels, rule));
  if (denied) return `${what} labelled ${denied} are excluded by the policy`;
  if (rules.composeProjects.length > 0 && !rules.composeProjects.includes(labels[COMPOSE_PROJECT] ?? '')) {
    return `only ${what} of the compose projects ${rules.composeProjects.join(', ')} are allowed`;
  }
  if (rules.namePatterns.length > 0 && !rules.namePatterns.some((p) => globToRegExp(p).test(name))) {
    return `only ${what} named like ${rules.namePatterns.join(', ')} are allowed`;
  }
  return undefined;
}

/**
 * Why a network is sensitive, if it is: a fresh endpoint on it reaches every member's ports, so
 * a member the role may not reach makes the whole network off limits unless the policy says
 * otherwise: the console itself, sonde.deny=true, one of the deny labels, or a container the
 * role's Compose or name rules refuse (an operator kept to `shop-*` containers does not reach a
 * `vault` by joining the network it shares with them). Sonde's own toolboxes are other shells of
 * the console's users, not targets; an endpoint that is no container (a Swarm network's load
 * balancer) is Docker's.
 */
function sensitiveMember(rules: CompleteRoleRules, network: NetworkSummary, context: PolicyInputs): string | undefined {
  for (const member of network.containers) {
    const container = context.containers.find((c) => c.id === member.id);
    const labels = container?.labels ?? {};
    if (context.isConsole?.(member.id) || labels[CONSOLE_LABEL] === 'true') return 'the Sonde console itself is attached to it';
    if (labels[DENY_LABEL] === 'true') return `its member ${member.name} is labelled ${DENY_LABEL}=true`;
    const denied = rules.denyLabels.find((rule) => labelMatches(labels, rule));
    if (denied) return `its member ${member.name} is labelled ${denied}`;
    if (labels[LABELS.managed] === 'true' || (!container && !CONTAINER_ID.test(member.id))) continue;
    // A member missing from the listing (it came meanwhile) is judged on its name alone: no labels, so no Compose project.
    const outside = objectRefusal(rules, 'containers', container?.name ?? member.name, labels);
    if (outside) return `its member ${member.name} is outside your role's policy: ${outside}`;
  }
  return undefined;
}

const CONTAINER_ID = /^[0-9a-f]{64}$/;

/**
 * Why `rules` refuse `target`, or undefined when they allow it. Pure: decided on the resolved
 * target (full id, labels and members as Docker reports them), never on what was typed. Every
 * target kind has its rules; a kind without them would be refused, never allowed.
 */
export function refusal(rules: CompleteRoleRules, target: ResolvedTarget, context: PolicyInputs): string | undefined {
  switch (target.kind) {
    case 'host':
      return rules.allowHost ? undefined : 'host-namespace sessions are not allowed for your role';
    case 'network': {
      if (!rules.allowNetworks) return 'joining networks is not allowed for your role';
      const network = context.networks.find((n) => n.id === target.networkId);
      if (!network) return 'the network is not known';
      const why = objectRefusal(rules, 'networks', network.name, network.labels);
      if (why) return why;
      if (!rules.allowSensitiveNetworks) {
        const member = sensitiveMember(rules, network, context);
        if (member) return `the network ${network.name} is sensitive (${member}); an admin can allow sensitive networks in the policy`;
      }
      return undefined;
    }
    case 'network-namespace': {
      // A helper with SYS_ADMIN and the node's netns files: what a host shell can do, on that node.
      if (!rules.allowNetworkNamespaces) return "opening an overlay network's own namespace is not allowed for your role";
      const network = context.networks.find((n) => n.id === target.networkId);
      if (!network) return 'the network is not known';
      return objectRefusal(rules, 'networks', network.name, network.labels);
    }
    case 'container': {
      const container = context.containers.find((c) => c.id === target.containerId);
      if (!container) return 'the container is not known';
      if (target.sharePid && !rules.allowSharePid) return "joining a container's processes is not allowed for your role";
      return objectRefusal(rules, 'containers', container.name, container.labels);
    }
    case 'pod': {
      const pod = context.pods?.find((p) => p.uid === target.podUid);
      const namespace = context.namespaces?.find((n) => n.name === target.namespace);
      if (!pod) return 'the pod is not known';
      if (!namespace) return 'the namespace is not known';
      // Always, whatever the rules: like sonde.deny=true on containers.
      if (pod.labels[DENY_LABEL] === 'true') return `pods labelled ${DENY_LABEL}=true are excluded`;
      if (namespace.labels[DENY_LABEL] === 'true') return `the namespace ${namespace.name} is labelled ${DENY_LABEL}=true`;
      // NET_ADMIN in a hostNetwork pod is NET_ADMIN on its node: node rules apply.
      if (pod.hostNetwork && !rules.allowNodes) return `the pod ${pod.name} runs in its node's network namespace (hostNetwork), and node namespaces are not allowed for your role`;
      const deniedNamespace = rules.denyLabels.find((rule) => labelMatches(namespace.labels, rule));
      if (deniedNamespace) return `namespaces labelled ${deniedNamespace} are excluded by the policy`;
      if (rules.namespaces.length > 0 && !rules.namespaces.some((glob) => globToRegExp(glob).test(namespace.name))) {
        return `only pods in the namespaces ${rules.namespaces.join(', ')} are allowed`;
      }
      if (rules.podSelectors.length > 0 && !rules.podSelectors.some((selector) => selectorMatches(selector, pod.labels))) {
        return `only pods matching ${rules.podSelectors.join(' or ')} are allowed`;
      }
      return objectRefusal(rules, 'pods', pod.name, pod.labels);
    }
    case 'node': {
      // A hostNetwork pod on the node: what a host shell is, there.
      if (!rules.allowNodes) return "opening a Kubernetes node's own namespace is not allowed for your role";
      const node = context.nodes?.find((n) => n.name === target.node);
      if (!node) return 'the node is not known';
      if (node.labels[DENY_LABEL] === 'true') return `nodes labelled ${DENY_LABEL}=true are excluded`;
      const denied = rules.denyLabels.find((rule) => labelMatches(node.labels, rule));
      return denied ? `nodes labelled ${denied} are excluded by the policy` : undefined;
    }
    default: {
      const unknown: never = target;
      return `targets of kind ${String((unknown as { kind?: unknown }).kind)} are not covered by the policy`;
    }
  }
}

/** A selector that does not parse matches nothing (a saved policy's selectors were checked when it was saved). */
function selectorMatches(selector: string, labels: Record<string, string>): boolean {
  try {
    return parseLabelSelector(selector).matches(labels);
  } catch {
    return false;
  }
}

/** Refuses a policy whose pod selectors do not parse, naming the field and the reason. */
function checkSelectors(policy: TargetPolicy): void {
  for (const role of ['operator', 'admin'] as const) {
    (policy[role].podSelectors ?? []).forEach((selector, index) => {
      try {
        parseLabelSelector(selector);
      } catch (error) {
        if (!(error instanceof LabelSelectorError)) throw error;
        throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: body.${role}.podSelectors[${index}] is not a label selector: ${error.message}.`);
      }
    });
  }
}

/** The admin-editable target policy, one JSON document in the console's database. */
export class TargetPolicyStore {
  private current: CompletePolicy;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly db: Database) {
    migrate(db, 'policy', ['CREATE TABLE policy (id INTEGER PRIMARY KEY CHECK (id = 1), document TEXT NOT NULL, updated_at TEXT NOT NULL)']);
    const row = db.prepare('SELECT document FROM policy WHERE id = 1').get() as { document: string } | undefined;
    // A document saved before a switch existed gets that switch's default for its role.
    this.current = row ? completePolicy(JSON.parse(row.document) as TargetPolicy) : structuredClone(DEFAULT_POLICY);
  }

  get(): CompletePolicy {
    return structuredClone(this.current);
  }

  set(policy: TargetPolicy): CompletePolicy {
    checkSelectors(policy);
    const complete = completePolicy(policy);
    this.db
      .prepare('INSERT INTO policy (id, document, updated_at) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at')
      .run(JSON.stringify(complete), new Date().toISOString());
    this.current = complete;
    for (const listener of this.listeners) listener();
    return this.get();
  }

  /** Called after every change (live workloads are checked again against the new policy). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Why `role` may not reach `target` now, or undefined when it may. Viewers reach nothing. */
  why(role: Role, target: ResolvedTarget, context: PolicyInputs): string | undefined {
    if (role === 'viewer') return 'viewers cannot open shells or run tools';
    return refusal(this.current[role], target, context);
  }

  /** Throws 403 TARGET_NOT_ALLOWED (or ROLE_REQUIRED for viewers) when `role` may not reach `target`. */
  check(role: Role, target: ResolvedTarget, context: PolicyInputs): void {
    if (role === 'viewer') throw new ApiError(403, ErrorCode.RoleRequired, 'Viewers can watch shared sessions but not open shells or run tools; ask an admin for the operator role.');
    const why = refusal(this.current[role], target, context);
    if (why) throw new ApiError(403, ErrorCode.TargetNotAllowed, `This target is not allowed: ${why}.`);
  }
}
