import Type, { type Static } from 'typebox';

/**
 * Who may do what. Roles are ordered: each includes everything the ones before it may do.
 * viewer: browse containers and networks, watch sessions shared with them.
 * operator: open shells and run tools on targets the policy allows.
 * admin: everything, plus users, tokens, policy and host-namespace sessions.
 */
export const Role = Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')]);
export type Role = Static<typeof Role>;
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

export const Username = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9._-]*$' });
export const Password = Type.String({ minLength: 10, maxLength: 256 });

/** Log in with a user's password, or with an API token (the bootstrap SONDE_TOKEN included). */
export const LoginRequest = Type.Union([
  Type.Object({ username: Username, password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
  Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false }),
]);
export type LoginRequest = Static<typeof LoginRequest>;

/** What authenticated a request. A share principal reaches one session only. */
export const PrincipalKind = Type.Union([Type.Literal('user'), Type.Literal('token'), Type.Literal('share')]);
export type PrincipalKind = Static<typeof PrincipalKind>;

export const Me = Type.Object({
  authenticated: Type.Boolean(),
  kind: PrincipalKind,
  /** Stable id: `user:<id>`, `token:<id>` (`token:bootstrap` for SONDE_TOKEN), `share:<id>`. */
  id: Type.String(),
  name: Type.String(),
  role: Role,
  /** How this request authenticated: a bearer header or the browser cookie. */
  via: Type.Union([Type.Literal('bearer'), Type.Literal('cookie')]),
  /** For share principals: the one session they may join, and as what. */
  share: Type.Optional(
    Type.Object({ sessionId: Type.String(), role: Type.Union([Type.Literal('viewer'), Type.Literal('driver')]), expiresAt: Type.String() }),
  ),
});
export type Me = Static<typeof Me>;

export const User = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: Role,
  disabled: Type.Boolean(),
  createdAt: Type.String(),
});
export type User = Static<typeof User>;
export const UserList = Type.Array(User);

export const CreateUserRequest = Type.Object(
  { username: Username, password: Password, role: Role },
  { additionalProperties: false },
);
export type CreateUserRequest = Static<typeof CreateUserRequest>;

export const UpdateUserRequest = Type.Object(
  { role: Type.Optional(Role), disabled: Type.Optional(Type.Boolean()), password: Type.Optional(Password) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUserRequest = Static<typeof UpdateUserRequest>;

export const ApiTokenInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Role,
  createdAt: Type.String(),
  createdBy: Type.String(),
  lastUsedAt: Type.Optional(Type.String()),
});
export type ApiTokenInfo = Static<typeof ApiTokenInfo>;
export const ApiTokenList = Type.Array(ApiTokenInfo);

export const CreateApiTokenRequest = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]*$' }), role: Role },
  { additionalProperties: false },
);
export type CreateApiTokenRequest = Static<typeof CreateApiTokenRequest>;

/** The secret is in this reply only; the server keeps a hash. */
export const CreatedApiToken = Type.Intersect([ApiTokenInfo, Type.Object({ token: Type.String() })]);
export type CreatedApiToken = Static<typeof CreatedApiToken>;
