import Type, { type Static } from 'typebox';
import { Value } from 'typebox/value';

/**
 * iproute2's JSON output (`ip -j route`, `ip -j addr`, `ip -j neigh`), read field by field
 * against schemas: the kernel state comes from the target's namespace and interface names are
 * chosen by whoever runs it, so entries that do not match are dropped, never cast.
 */

const RouteEntry = Type.Object({
  dst: Type.String(),
  gateway: Type.Optional(Type.String()),
  dev: Type.Optional(Type.String()),
  protocol: Type.Optional(Type.String()),
  type: Type.Optional(Type.String()),
  prefsrc: Type.Optional(Type.String()),
});
export type RouteEntry = Static<typeof RouteEntry>;

const AddressInfo = Type.Object({
  family: Type.String(),
  local: Type.String(),
  prefixlen: Type.Integer(),
  scope: Type.Optional(Type.String()),
});

const LinkEntry = Type.Object({
  ifname: Type.String(),
  mtu: Type.Integer(),
  flags: Type.Array(Type.String()),
  operstate: Type.Optional(Type.String()),
  link_type: Type.Optional(Type.String()),
  addr_info: Type.Optional(Type.Array(AddressInfo)),
});

const NeighbourEntry = Type.Object({
  dst: Type.String(),
  dev: Type.Optional(Type.String()),
  lladdr: Type.Optional(Type.String()),
  state: Type.Optional(Type.Array(Type.String())),
});

export interface NetInterface {
  name: string;
  mtu: number;
  up: boolean;
  loopback: boolean;
  addresses: { family: 'inet' | 'inet6'; address: string; prefixLength: number; scope?: string }[];
}

export interface Neighbour {
  address: string;
  device?: string;
  lladdr?: string;
  states: string[];
}

/** The array `ip -j` printed, or undefined when the text is not a JSON array. */
function jsonArray(text: string): unknown[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.trim() || '[]');
  } catch {
    return undefined;
  }
  return Array.isArray(parsed) ? parsed : undefined;
}

/** `ip -j route show table main`; undefined when the output is not ip's JSON. */
export function parseRoutes(text: string): RouteEntry[] | undefined {
  const entries = jsonArray(text);
  if (!entries) return undefined;
  return entries.filter((e): e is RouteEntry => Value.Check(RouteEntry, e)).map((e) => ({
    dst: e.dst,
    ...(e.gateway !== undefined ? { gateway: e.gateway } : {}),
    ...(e.dev !== undefined ? { dev: e.dev } : {}),
    ...(e.protocol !== undefined ? { protocol: e.protocol } : {}),
    ...(e.type !== undefined ? { type: e.type } : {}),
    ...(e.prefsrc !== undefined ? { prefsrc: e.prefsrc } : {}),
  }));
}

/** `ip -j addr show`: interfaces with their MTU, state and addresses. */
export function parseInterfaces(text: string): NetInterface[] | undefined {
  const entries = jsonArray(text);
  if (!entries) return undefined;
  const interfaces: NetInterface[] = [];
  for (const entry of entries) {
    if (!Value.Check(LinkEntry, entry)) continue;
    interfaces.push({
      name: entry.ifname,
      mtu: entry.mtu,
      up: entry.flags.includes('UP'),
      loopback: entry.flags.includes('LOOPBACK') || entry.link_type === 'loopback',
      addresses: (entry.addr_info ?? [])
        .filter((a) => a.family === 'inet' || a.family === 'inet6')
        .map((a) => ({ family: a.family as 'inet' | 'inet6', address: a.local, prefixLength: a.prefixlen, ...(a.scope ? { scope: a.scope } : {}) })),
    });
  }
  return interfaces;
}

/** `ip -j neigh show`: the neighbour (ARP/NDP) table with each entry's NUD states. */
export function parseNeighbours(text: string): Neighbour[] | undefined {
  const entries = jsonArray(text);
  if (!entries) return undefined;
  return entries
    .filter((e): e is Static<typeof NeighbourEntry> => Value.Check(NeighbourEntry, e))
    .map((e) => ({ address: e.dst, ...(e.dev ? { device: e.dev } : {}), ...(e.lladdr ? { lladdr: e.lladdr } : {}), states: e.state ?? [] }));
}

/** The default routes of a route list (`default` is how ip prints 0.0.0.0/0 and ::/0). */
export function defaultRoutes(routes: readonly RouteEntry[]): RouteEntry[] {
  return routes.filter((r) => (r.dst === 'default' || r.dst === '0.0.0.0/0' || r.dst === '::/0') && (r.type === undefined || r.type === 'unicast'));
}
