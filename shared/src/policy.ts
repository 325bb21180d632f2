import Type, { type Static } from 'typebox';

/**
 * Which targets each role may reach. Always true whatever the policy says: containers, pods and
 * namespaces labelled sonde.deny=true, the console's own container and toolboxes are never
 * targets; viewers open nothing.
 */
export const RoleTargetRules = Type.Object(
  {
    /** Host-namespace sessions. */
    allowHost: Type.Boolean(),
    /** Joining a Docker network with a fresh endpoint (packet captures on a network too). */
    allowNetworks: Type.Boolean(),
    /**
     * Networks with a sensitive member: a container labelled sonde.deny=true (or carrying one of
     * denyLabels), or the console itself. A fresh endpoint there reaches that member's ports.
     * Absent in a stored or sent policy: false for operators, true for admins.
     */
    allowSensitiveNetworks: Type.Optional(Type.Boolean()),
    /** Container targets with `sharePid` (the target's processes, SYS_PTRACE). Absent: true. */
    allowSharePid: Type.Optional(Type.Boolean()),
    /**
     * An overlay network's own namespace (a helper with SYS_ADMIN and the node's netns files).
     * Absent: false for operators, true for admins.
     */
    allowNetworkNamespaces: Type.Optional(Type.Boolean()),
    /**
     * Kubernetes nodes' own namespaces (a hostNetwork pod on the node): what a host shell is, on
     * that node. Absent: false for operators, true for admins.
     */
    allowNodes: Type.Optional(Type.Boolean()),
    /** Kubernetes: if non-empty, only pods in namespaces named like one of these globs (`*` and `?`). */
    namespaces: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 63 }), { maxItems: 100 })),
    /**
     * Kubernetes: if non-empty, only pods whose labels match one of these label selectors
     * (`app=web,tier!=db`, `env in (prod,staging)`, `!canary`), as kubectl -l reads them.
     */
    podSelectors: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { maxItems: 100 })),
    /**
     * If non-empty, only containers (and networks) of these compose projects. Pods carry no
     * compose project, so a non-empty list refuses every pod too.
     */
    composeProjects: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 100 }),
    /** If non-empty, only containers, networks and pods whose name matches one of these globs (`*` and `?`). */
    namePatterns: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 100 }),
    /** Containers, networks, pods, namespaces and nodes carrying any of these labels (`key` or `key=value`) are refused. */
    denyLabels: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 100 }),
  },
  { additionalProperties: false },
);
export type RoleTargetRules = Static<typeof RoleTargetRules>;

export const TargetPolicy = Type.Object(
  { operator: RoleTargetRules, admin: RoleTargetRules },
  { additionalProperties: false },
);
export type TargetPolicy = Static<typeof TargetPolicy>;

export type CompleteRoleRules = Required<RoleTargetRules>;
export interface CompletePolicy {
  operator: CompleteRoleRules;
  admin: CompleteRoleRules;
}

export const DEFAULT_POLICY: CompletePolicy = {
  operator: { allowHost: false, allowNetworks: true, allowSensitiveNetworks: false, allowSharePid: true, allowNetworkNamespaces: false, allowNodes: false, namespaces: [], podSelectors: [], composeProjects: [], namePatterns: [], denyLabels: [] },
  admin: { allowHost: true, allowNetworks: true, allowSensitiveNetworks: true, allowSharePid: true, allowNetworkNamespaces: true, allowNodes: true, namespaces: [], podSelectors: [], composeProjects: [], namePatterns: [], denyLabels: [] },
};

/** A policy with every optional switch spelled out (their defaults depend on the role). */
export function completePolicy(policy: TargetPolicy): CompletePolicy {
  return {
    operator: { ...DEFAULT_POLICY.operator, ...policy.operator },
    admin: { ...DEFAULT_POLICY.admin, ...policy.admin },
  };
}
