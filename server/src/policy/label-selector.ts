/**
 * Kubernetes label selectors as `kubectl get -l` takes them, for the target policy's
 * `podSelectors`: comma-separated requirements that must all hold. Equality-based (`k=v`,
 * `k==v`, `k!=v`), set-based (`k in (a,b)`, `k notin (a,b)`), existence (`k`, `!k`). Parsed
 * once when a policy is saved (a bad selector is refused there, with the reason), matched at
 * every start. Semantics as in the API reference, "Labels and Selectors": `!=` and `notin`
 * also match objects without the key.
 */

type Requirement =
  | { op: 'in'; key: string; values: string[] }
  | { op: 'notin'; key: string; values: string[] }
  | { op: 'exists'; key: string }
  | { op: 'absent'; key: string };

/** A label key: an optional DNS subdomain prefix and `/`, then a name of at most 63 characters. */
const KEY = /^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A label value: empty, or at most 63 characters of letters, digits, `-`, `_`, `.` with alphanumeric ends. */
const VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export class LabelSelectorError extends Error {}

/** Splits at commas outside parentheses (`a in (x,y),b` is two requirements). */
function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) throw new LabelSelectorError('a ")" closes nothing');
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (depth !== 0) throw new LabelSelectorError('a "(" is never closed');
  parts.push(current);
  return parts.map((p) => p.trim());
}

function key(text: string): string {
  if (!KEY.test(text)) throw new LabelSelectorError(`"${text}" is not a label key`);
  return text;
}

function value(text: string): string {
  if (!VALUE.test(text)) throw new LabelSelectorError(`"${text}" is not a label value`);
  return text;
}

function requirement(text: string): Requirement {
  if (text === '') throw new LabelSelectorError('an empty requirement (two commas, or a comma at an end)');
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text);
  if (set) {
    const values = set[3]!.split(',').map((v) => value(v.trim()));
    return { op: set[2] === 'in' ? 'in' : 'notin', key: key(set[1]!), values };
  }
  const equality = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (equality) {
    const op = equality[2] === '!=' ? 'notin' : 'in';
    return { op, key: key(equality[1]!), values: [value(equality[3]!)] };
  }
  if (text.startsWith('!')) return { op: 'absent', key: key(text.slice(1).trim()) };
  return { op: 'exists', key: key(text) };
}

export interface LabelSelector {
  matches(labels: Readonly<Record<string, string>>): boolean;
}

/** Parses a selector; throws LabelSelectorError saying what is wrong. */
export function parseLabelSelector(selector: string): LabelSelector {
  const requirements = splitRequirements(selector.trim()).map(requirement);
  return {
    matches: (labels) =>
      requirements.every((r) => {
        const has = Object.hasOwn(labels, r.key);
        switch (r.op) {
          case 'exists':
            return has;
          case 'absent':
            return !has;
          case 'in':
            return has && r.values.includes(labels[r.key]!);
          case 'notin':
            return !has || !r.values.includes(labels[r.key]!);
        }
      }),
  };
}
