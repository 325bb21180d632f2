import { DEFAULT_POLICY, ErrorCode, type ContainerSummary, type ResolvedTarget, type Role, type RoleTargetRules, type TargetPolicy } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import { migrate, type Database } from '../store/database.js';

/** Compose's project label: how containers are grouped by project. */
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

/**
 * Why `rules` refuse `target`, or undefined when they allow it. Pure: decided on the resolved
 * target (full id, the container's labels as Docker reports them), never on what was typed.
 */
export function refusal(rules: RoleTargetRules, target: ResolvedTarget, container: ContainerSummary | undefined): string | undefined {
  switch (target.kind) {
    case 'host':
      return rules.allowHost ? undefined : 'host-namespace sessions are not allowed for your role';
    case 'network':
      return rules.allowNetworks ? undefined : 'joining networks is not allowed for your role';
    case 'container': {
      if (!container) return 'the container is not known';
      const denied = rules.denyLabels.find((rule) => labelMatches(container.labels, rule));
      if (denied) return `containers labelled ${denied} are excluded by the policy`;
      if (rules.composeProjects.length > 0 && !rules.composeProjects.includes(container.labels[COMPOSE_PROJECT] ?? '')) {
        return `only containers of the compose projects ${rules.composeProjects.join(', ')} are allowed`;
      }
      if (rules.namePatterns.length > 0 && !rules.namePatterns.some((p) => globToRegExp(p).test(container.name))) {
        return `only containers named like ${rules.namePatterns.join(', ')} are allowed`;
      }
      return undefined;
    }
  }
}

/** The admin-editable target policy, one JSON document in the console's database. */
export class TargetPolicyStore {
  private current: TargetPolicy;

  constructor(private readonly db: Database) {
    migrate(db, 'policy', ['CREATE TABLE policy (id INTEGER PRIMARY KEY CHECK (id = 1), document TEXT NOT NULL, updated_at TEXT NOT NULL)']);
    const row = db.prepare('SELECT document FROM policy WHERE id = 1').get() as { document: string } | undefined;
    this.current = row ? (JSON.parse(row.document) as TargetPolicy) : structuredClone(DEFAULT_POLICY);
  }

  get(): TargetPolicy {
    return structuredClone(this.current);
  }

  set(policy: TargetPolicy): TargetPolicy {
    this.db
      .prepare('INSERT INTO policy (id, document, updated_at) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at')
      .run(JSON.stringify(policy), new Date().toISOString());
    this.current = structuredClone(policy);
    return this.get();
  }

  /** Throws 403 TARGET_NOT_ALLOWED when `role` may not reach `target`. Viewers reach nothing. */
  check(role: Role, target: ResolvedTarget, containers: readonly ContainerSummary[]): void {
    if (role === 'viewer') throw new ApiError(403, ErrorCode.RoleRequired, 'Viewers can watch shared sessions but not open shells or run tools; ask an admin for the operator role.');
    const container = target.kind === 'container' ? containers.find((c) => c.id === target.containerId) : undefined;
    const why = refusal(this.current[role], target, container);
    if (why) throw new ApiError(403, ErrorCode.TargetNotAllowed, `This target is not allowed: ${why}.`);
  }
}
