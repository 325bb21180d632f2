/**
 * How the browser shows a Kubernetes cluster: its namespaces with their pods, and its nodes,
 * filtered by what an operator types; a pod's and a node's state in a word and a tone; why a
 * shell cannot start on one (before asking the server, which decides anyway).
 */
import type { KubeNamespace, KubeNode, KubePod } from '@sonde/shared';
import type { Tone } from '../../components/Badge';
import { queryTerms, termsMatch } from '../../components/query-terms';

export interface NamespaceBranch {
  namespace: string;
  /** Labelled sonde.deny=true: its pods are listed, but no shell opens in them. */
  denied: boolean;
  pods: KubePod[];
}

export interface ClusterBranch {
  namespaces: NamespaceBranch[];
  nodes: KubeNode[];
}

const DENY_LABEL = 'sonde.deny';

function podFields(pod: KubePod): Array<string | undefined> {
  return [pod.name, pod.namespace, pod.node, pod.podIP, pod.phase, ...pod.containers.map((c) => c.name), ...Object.entries(pod.labels).map(([k, v]) => `${k}=${v}`)];
}

/**
 * One cluster's tree: namespaces by name with their pods by name (Sonde's own node pods only
 * when toolboxes are shown), nodes by name. A namespace whose name matches shows all its pods;
 * otherwise the pods that match, and namespaces with none are left out.
 */
export function clusterBranch(engine: string, namespaces: readonly KubeNamespace[], pods: readonly KubePod[], nodes: readonly KubeNode[], query: string, showToolboxes = false): ClusterBranch {
  const terms = queryTerms(query);
  const names = new Set([...namespaces.filter((n) => n.engine === engine).map((n) => n.name), ...pods.filter((p) => p.engine === engine).map((p) => p.namespace)]);
  const branches = [...names]
    .sort((a, b) => a.localeCompare(b))
    .map((name) => {
      const all = termsMatch([name], terms);
      const inNamespace = pods.filter((p) => p.engine === engine && p.namespace === name && (showToolboxes || !p.toolbox));
      return {
        namespace: name,
        denied: namespaces.find((n) => n.engine === engine && n.name === name)?.labels[DENY_LABEL] === 'true',
        pods: inNamespace.filter((p) => all || termsMatch(podFields(p), terms)).sort((a, b) => a.name.localeCompare(b.name)),
        all,
      };
    })
    .filter((b) => b.all || b.pods.length > 0)
    .map(({ all: _all, ...branch }) => branch);
  return {
    namespaces: branches,
    nodes: nodes
      .filter((n) => n.engine === engine && termsMatch([n.name, ...n.addresses.map((a) => a.address)], terms))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

export function podTone(pod: KubePod): Tone {
  if (pod.phase === 'Running') return pod.containers.every((c) => c.role !== 'main' || c.ready) ? 'ok' : 'warn';
  if (pod.phase === 'Pending') return 'info';
  if (pod.phase === 'Succeeded') return 'muted';
  return 'danger';
}

export function nodeTone(node: KubeNode): Tone {
  if (!node.ready) return 'danger';
  return node.unschedulable ? 'warn' : 'ok';
}

/** `Ready`, `Ready, cordoned`, `NotReady`. */
export function nodeState(node: KubeNode): string {
  return `${node.ready ? 'Ready' : 'NotReady'}${node.unschedulable ? ', cordoned' : ''}`;
}

/** The pod's own containers a shell can target (Sonde's ephemeral toolbox and init containers are not). */
export function targetContainers(pod: KubePod): string[] {
  return pod.containers.filter((c) => c.role === 'main').map((c) => c.name);
}

/** The container a shell sees the processes of when none is picked: kubectl's default, else the first. */
export function defaultTargetContainer(pod: KubePod): string | undefined {
  const names = targetContainers(pod);
  return pod.defaultContainer && names.includes(pod.defaultContainer) ? pod.defaultContainer : names[0];
}

/** Sonde's ephemeral container already in the pod (later sessions exec in it; it cannot be removed). */
export function hasToolbox(pod: KubePod): boolean {
  return pod.containers.some((c) => c.role === 'ephemeral' && c.toolbox);
}

/** Why no shell can start in the pod now, or null (the server checks again, with the policy). */
export function podBlockedReason(pod: KubePod, namespaceDenied: boolean): string | null {
  if (namespaceDenied || pod.labels[DENY_LABEL] === 'true') return `Pod ${pod.namespace}/${pod.name} is labelled ${DENY_LABEL}=true${namespaceDenied ? ' (on its namespace)' : ''}: Sonde does not open shells in it.`;
  if (pod.phase !== 'Running') return `Pod ${pod.namespace}/${pod.name} is ${pod.phase}: an ephemeral container starts only in a running pod.`;
  if (targetContainers(pod).length === 0) return `Pod ${pod.namespace}/${pod.name} has no container to join.`;
  return null;
}

export function nodeBlockedReason(node: KubeNode): string | null {
  if (node.labels[DENY_LABEL] === 'true') return `Node ${node.name} is labelled ${DENY_LABEL}=true: Sonde does not open shells on it.`;
  if (!node.ready) return `Node ${node.name} is not Ready: a pod cannot start on it.`;
  return null;
}

/** The pod a link names, on that cluster. */
export function findPod(pods: readonly KubePod[], engine: string, namespace: string, name: string): KubePod | undefined {
  return pods.find((p) => p.engine === engine && p.namespace === namespace && p.name === name);
}
