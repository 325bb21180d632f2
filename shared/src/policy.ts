import Type, { type Static } from 'typebox';

/**
 * Which targets each role may reach. Always true whatever the policy says: containers labelled
 * sonde.deny=true, the console's own container and toolboxes are never targets; viewers open
 * nothing.
 */
export const RoleTargetRules = Type.Object(
  {
    /** Host-namespace sessions. */
    allowHost: Type.Boolean(),
    /** Joining a Docker network with a fresh endpoint. */
    allowNetworks: Type.Boolean(),
    /** If non-empty, only containers of these compose projects. */
    composeProjects: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 100 }),
    /** If non-empty, only containers whose name matches one of these globs (`*` and `?`). */
    namePatterns: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 100 }),
    /** Containers carrying any of these labels (`key` or `key=value`) are refused. */
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

export const DEFAULT_POLICY: TargetPolicy = {
  operator: { allowHost: false, allowNetworks: true, composeProjects: [], namePatterns: [], denyLabels: [] },
  admin: { allowHost: true, allowNetworks: true, composeProjects: [], namePatterns: [], denyLabels: [] },
};
