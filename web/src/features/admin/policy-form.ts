/**
 * The policy form: lists are edited as text (comma or newline separated) and parsed back into a
 * TargetPolicy, with a sentence per field that is wrong. The server validates again.
 */
import { TargetPolicy, completePolicy, type CompleteRoleRules } from '@sonde/shared';
import { Value } from 'typebox/value';

export type PolicyRole = 'operator' | 'admin';
export const POLICY_ROLES: readonly PolicyRole[] = ['operator', 'admin'];

export type ListField = 'composeProjects' | 'namePatterns' | 'denyLabels' | 'namespaces' | 'podSelectors';
export const LIST_FIELDS: readonly ListField[] = ['composeProjects', 'namePatterns', 'denyLabels', 'namespaces', 'podSelectors'];

export interface RuleFormValues {
  allowHost: boolean;
  allowNetworks: boolean;
  allowSensitiveNetworks: boolean;
  allowSharePid: boolean;
  allowNetworkNamespaces: boolean;
  allowNodes: boolean;
  composeProjects: string;
  namePatterns: string;
  denyLabels: string;
  namespaces: string;
  podSelectors: string;
}

export type PolicyFormValues = Record<PolicyRole, RuleFormValues>;

/** Field errors keyed `operator.namePatterns`, `admin.denyLabels`, … */
export type PolicyFormErrors = Partial<Record<`${PolicyRole}.${ListField}`, string>>;

const MAX_ITEMS = 100;
const MAX_LENGTH: Record<ListField, number> = { composeProjects: 128, namePatterns: 128, denyLabels: 256, namespaces: 63, podSelectors: 512 };

/**
 * Splits on commas and newlines (on newlines only for label selectors, which hold commas);
 * blanks and repeats are dropped, order kept.
 */
export function parseList(text: string, field?: ListField): string[] {
  const items = text
    .split(field === 'podSelectors' ? /\n/ : /[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  return [...new Set(items)];
}

export function formatList(items: readonly string[]): string {
  return items.join('\n');
}

export function policyToForm(policy: TargetPolicy): PolicyFormValues {
  const complete = completePolicy(policy);
  const rules = (r: CompleteRoleRules): RuleFormValues => ({
    allowHost: r.allowHost,
    allowNetworks: r.allowNetworks,
    allowSensitiveNetworks: r.allowSensitiveNetworks,
    allowSharePid: r.allowSharePid,
    allowNetworkNamespaces: r.allowNetworkNamespaces,
    allowNodes: r.allowNodes,
    composeProjects: formatList(r.composeProjects),
    namePatterns: formatList(r.namePatterns),
    denyLabels: formatList(r.denyLabels),
    namespaces: formatList(r.namespaces),
    podSelectors: formatList(r.podSelectors),
  });
  return { operator: rules(complete.operator), admin: rules(complete.admin) };
}

function itemError(field: ListField, item: string): string | null {
  if (item.length > MAX_LENGTH[field]) return `"${item.slice(0, 40)}…" is longer than ${MAX_LENGTH[field]} characters.`;
  switch (field) {
    case 'composeProjects':
      return /^[a-z0-9][a-z0-9_-]*$/.test(item) ? null : `"${item}" is not a Compose project name (lowercase letters, digits, - and _).`;
    case 'namePatterns':
      return /^[A-Za-z0-9_.*?-]+$/.test(item) ? null : `"${item}" is not a name pattern (letters, digits, . _ - and the wildcards * and ?).`;
    case 'denyLabels': {
      const key = item.split('=', 1)[0] ?? '';
      return key.length > 0 && !/\s/.test(key) ? null : `"${item}" is not a label (write key or key=value).`;
    }
    case 'namespaces':
      return /^[a-z0-9*?-]+$/.test(item) ? null : `"${item}" is not a namespace pattern (lowercase letters, digits, - and the wildcards * and ?).`;
    case 'podSelectors':
      // The server parses selectors and names what is wrong with one.
      return null;
    default: {
      const unexpected: never = field;
      return unexpected;
    }
  }
}

export function formToPolicy(form: PolicyFormValues): { ok: true; policy: TargetPolicy } | { ok: false; errors: PolicyFormErrors } {
  const errors: PolicyFormErrors = {};
  const rules = (role: PolicyRole): CompleteRoleRules => {
    const values = form[role];
    const lists = {} as Record<ListField, string[]>;
    for (const field of LIST_FIELDS) {
      const items = parseList(values[field], field);
      lists[field] = items;
      if (items.length > MAX_ITEMS) {
        errors[`${role}.${field}`] = `At most ${MAX_ITEMS} entries (there are ${items.length}).`;
        continue;
      }
      const problem = items.map((item) => itemError(field, item)).find((e) => e !== null);
      if (problem) errors[`${role}.${field}`] = problem;
    }
    return {
      allowHost: values.allowHost,
      allowNetworks: values.allowNetworks,
      allowSensitiveNetworks: values.allowSensitiveNetworks,
      allowSharePid: values.allowSharePid,
      allowNetworkNamespaces: values.allowNetworkNamespaces,
      allowNodes: values.allowNodes,
      ...lists,
    };
  };
  const policy: TargetPolicy = { operator: rules('operator'), admin: rules('admin') };
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  // The shared schema is the contract; a miss here is a bug in the checks above.
  if (!Value.Check(TargetPolicy, policy)) return { ok: false, errors: { 'operator.namePatterns': 'The policy does not match the server schema.' } };
  return { ok: true, policy };
}
