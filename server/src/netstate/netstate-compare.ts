import { NETSTATE_SECTIONS, type NetstateSection, type NetstateSectionChange } from '@sonde/shared';
import { sectionText, type NetSnapshot } from './netstate-snapshot.js';

/**
 * Compares two snapshots of a namespace, section by section, on a normalised form: what two
 * snapshots of an untouched namespace differ in (timestamps, packet counters, reference counts,
 * the order tables are listed in, tables that exist but do nothing) is removed, so only
 * configuration changes count. Pure: unit-tested with real command outputs.
 */

export interface DiffLine {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

export interface SectionComparison extends NetstateSectionChange {
  lines: DiffLine[];
}

const XTABLES = new Set<NetstateSection>(['iptables', 'ip6tables', 'iptables-legacy', 'ip6tables-legacy']);

export function isXtables(section: NetstateSection): boolean {
  return XTABLES.has(section);
}

/**
 * Sections that differ between two snapshots (only sections both read successfully are
 * compared). iptables-nft keeps its rules in nft tables (`ip filter`, `ip6 nat`, …), so one
 * `iptables -A` shows in both `iptables` and `nft`: when the iptables section changed, nft's
 * lines in those tables are the same change and are not counted again (nft is left out when
 * nothing else in it changed).
 */
export function compareSnapshots(before: NetSnapshot, after: NetSnapshot): SectionComparison[] {
  const changed: SectionComparison[] = [];
  for (const section of NETSTATE_SECTIONS) {
    const comparison = compareSection(section, sectionText(before, section), sectionText(after, section));
    if (comparison) changed.push(comparison);
  }
  const mirrored = new Set(changed.flatMap((c) => (c.section === 'iptables' ? ['ip'] : c.section === 'ip6tables' ? ['ip6'] : [])));
  if (mirrored.size === 0) return changed;
  return changed.flatMap((c) => {
    if (c.section !== 'nft') return [c];
    const counts = countChanges('nft', c.lines, mirrored);
    return counts.added + counts.removed > 0 ? [{ ...c, ...counts }] : [];
  });
}

/** The difference of one section, or undefined when it did not change or cannot be compared. */
export function compareSection(section: NetstateSection, before: string | undefined, after: string | undefined): SectionComparison | undefined {
  if (before === undefined || after === undefined) return undefined;
  const lines = diffLines(normaliseSection(section, before), normaliseSection(section, after));
  const { added, removed } = countChanges(section, lines);
  if (added === 0 && removed === 0) return undefined;
  return { section, added, removed, lines };
}

/** nft tables iptables-nft manages, by family (`ip` for iptables, `ip6` for ip6tables). */
const XTABLES_NFT_TABLES = /^table (ip|ip6) (filter|nat|mangle|raw|security) \{$/;

/**
 * Changed lines that are changes a person made, not the frame around them: rules, non-default
 * chain policies and user chains count; table headers, `COMMIT`, accepting chain headers and
 * closing braces do not (one `iptables -A` into a fresh table is one change, not six).
 * `skipFamilies`: nft tables of these families that iptables-nft manages are not counted.
 */
export function countChanges(section: NetstateSection, lines: readonly DiffLine[], skipFamilies: ReadonlySet<string> = new Set()): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  let skipping = false;
  for (const line of lines) {
    if (section === 'nft' && /^table \S+ \S+ \{$/.test(line.text)) {
      const family = XTABLES_NFT_TABLES.exec(line.text)?.[1];
      skipping = family !== undefined && skipFamilies.has(family);
    }
    if (line.kind === 'same' || skipping || !countsAsChange(section, line.text)) continue;
    if (line.kind === 'added') added++;
    else removed++;
  }
  return { added, removed };
}

function countsAsChange(section: NetstateSection, text: string): boolean {
  if (isXtables(section)) {
    if (text.startsWith('*') || text === 'COMMIT') return false;
    // `:INPUT ACCEPT` is the frame of a table; `:INPUT DROP` (a policy) and `:MINE -` (a user chain) are changes.
    const chain = /^:\S+ (\S+)$/.exec(text);
    return !chain || chain[1] !== 'ACCEPT';
  }
  if (section === 'nft') return !/^\s*(table \S+ \S+ \{|(chain|set|map|flowtable) \S+ \{|\}|type [^;]+; policy accept;|type [^;]+;|flags [^;]+;)$/.test(text);
  return true;
}

export function normaliseSection(section: NetstateSection, text: string): string[] {
  if (isXtables(section)) return normaliseXtables(text);
  if (section === 'nft') return normaliseNft(text);
  return normaliseTc(text);
}

export interface XtablesTable {
  name: string;
  chains: { name: string; policy: string }[];
  /** Rules as printed (`-A CHAIN …`), in order. */
  rules: string[];
}

/** Reads iptables-save output: `*table`, `:CHAIN POLICY [packets:bytes]`, rules, `COMMIT`; `#` lines are comments. */
export function parseXtables(text: string): XtablesTable[] {
  const tables: XtablesTable[] = [];
  let table: XtablesTable | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      table = { name: line.slice(1), chains: [], rules: [] };
      tables.push(table);
    } else if (line === 'COMMIT') {
      table = undefined;
    } else if (table && line.startsWith(':')) {
      const [name = '', policy = '-'] = line.slice(1).split(/\s+/);
      table.chains.push({ name, policy });
    } else if (table) {
      table.rules.push(line.replace(/\s+/g, ' '));
    }
  }
  return tables;
}

/** A table whose built-in chains all accept and that holds nothing else filters nothing: as good as absent. */
export function isInertXtablesTable(table: XtablesTable): boolean {
  return table.rules.length === 0 && table.chains.every((c) => c.policy === 'ACCEPT');
}

/**
 * Canonical iptables-save: comments (`# Generated … on <date>`) and chain counters (legacy
 * prints real ones even without -c) dropped, inert tables dropped (`iptables-legacy -L` creates
 * an empty filter table), tables sorted, each chain's rules listed under it.
 */
function normaliseXtables(text: string): string[] {
  const out: string[] = [];
  const tables = parseXtables(text)
    .filter((t) => !isInertXtablesTable(t))
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const table of tables) {
    out.push(`*${table.name}`);
    const chains = [...table.chains].sort((a, b) => a.name.localeCompare(b.name));
    for (const chain of chains) out.push(`:${chain.name} ${chain.policy}`);
    const byChain = new Map<string, string[]>();
    for (const rule of table.rules) {
      const chain = /^-A (\S+)/.exec(rule)?.[1] ?? '';
      byChain.set(chain, [...(byChain.get(chain) ?? []), rule]);
    }
    for (const chain of [...byChain.keys()].sort()) out.push(...byChain.get(chain)!);
    out.push('COMMIT');
  }
  return out;
}

export interface NftTable {
  /** `ip filter`, `inet sondetest`: family and name, what `delete table` takes. */
  key: string;
  /** The block as printed, from `table …{` to its closing `}`. */
  lines: string[];
}

/** Splits `nft list ruleset` output into its top-level table blocks; `#` lines (warnings) are dropped. */
export function parseNftTables(text: string): NftTable[] {
  const tables: NftTable[] = [];
  let table: NftTable | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const header = /^table (\S+) (\S+) \{$/.exec(line);
    if (header) {
      table = { key: `${header[1]} ${header[2]}`, lines: [line] };
      tables.push(table);
      continue;
    }
    if (!table) continue;
    table.lines.push(line);
    if (line === '}') table = undefined;
  }
  return tables;
}

/** Base chains that accept everything and hold no rules, sets or maps: the table filters nothing. */
export function isInertNftTable(table: NftTable): boolean {
  return table.lines.slice(1).every((line) => /^\s*(chain \S+ \{|type .+ policy accept;|\})$/.test(line));
}

/** Counters and timers nft prints even when nothing changed (with `-s` most are gone already). */
function withoutNftState(line: string): string {
  return line
    .replace(/ counter packets \d+ bytes \d+/g, ' counter')
    .replace(/ expires [0-9dhms.]+/g, '')
    .replace(/ used \d+ bytes/g, '');
}

/**
 * A table's members (chains, sets, maps, flowtables, flags) in a fixed order, without inert
 * chains: nft lists chains in the order they were created, and iptables-restore creates them in
 * another order than Docker did. Lines inside a member keep their order (rule order matters).
 */
function sortedMembers(table: NftTable): string[] {
  const members: string[][] = [];
  let depth = 0;
  for (const line of table.lines.slice(1, -1)) {
    if (depth === 0) members.push([]);
    members.at(-1)!.push(line);
    depth += (line.match(/\{/g)?.length ?? 0) - (line.match(/\}/g)?.length ?? 0);
  }
  // An empty base chain that accepts does nothing (iptables-restore creates them for every
  // `:CHAIN ACCEPT` line, where Docker had created only the chains it used).
  const inert = (member: string[]) => member.every((line) => /^\s*(chain \S+ \{|type .+ policy accept;|\})$/.test(line));
  const kept = members.filter((member) => !inert(member)).sort((a, b) => a[0]!.localeCompare(b[0]!));
  return [table.lines[0]!, ...kept.flat(), table.lines.at(-1)!];
}

function normaliseNft(text: string): string[] {
  return parseNftTables(text)
    .filter((t) => !isInertNftTable(t))
    .sort((a, b) => a.key.localeCompare(b.key))
    .flatMap((t) => sortedMembers(t).map(withoutNftState));
}

/** A tc qdisc line without what changes by itself: `refcnt` (a reference count) and htb's `direct_packets_stat` (a counter). */
export function normaliseTcLine(line: string): string {
  return line
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/ refcnt \d+/, '')
    .replace(/ direct_packets_stat \d+/, '');
}

function normaliseTc(text: string): string[] {
  return text
    .split('\n')
    .map(normaliseTcLine)
    .filter((line) => line !== '')
    .sort();
}

/** Largest table (lines before × lines after) diffed exactly; bigger inputs fall back to comparing line counts. */
const MAX_DIFF_CELLS = 4_000_000;

/** A line diff: longest common subsequence, removals before additions at each change. */
export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  const n = before.length;
  const m = after.length;
  if (n * m > MAX_DIFF_CELLS) return multisetDiff(before, after);
  // lcs[i][j]: length of the longest common subsequence of before[i..] and after[j..].
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] = before[i] === after[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (before[i] === after[j]) {
      out.push({ kind: 'same', text: before[i]! });
      i++;
      j++;
    } else if (lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!) {
      out.push({ kind: 'removed', text: before[i++]! });
    } else {
      out.push({ kind: 'added', text: after[j++]! });
    }
  }
  while (i < n) out.push({ kind: 'removed', text: before[i++]! });
  while (j < m) out.push({ kind: 'added', text: after[j++]! });
  return out;
}

/** For huge rulesets: which lines appear more or fewer times, without positions. */
function multisetDiff(before: readonly string[], after: readonly string[]): DiffLine[] {
  const counts = new Map<string, number>();
  for (const line of before) counts.set(line, (counts.get(line) ?? 0) + 1);
  const out: DiffLine[] = [];
  for (const line of after) {
    const left = counts.get(line) ?? 0;
    if (left > 0) counts.set(line, left - 1);
    else out.push({ kind: 'added', text: line });
  }
  for (const [line, left] of counts) for (let k = 0; k < left; k++) out.push({ kind: 'removed', text: line });
  return out;
}

/** A diff for people: changed lines with `context` unchanged lines around them, gaps as `@@`. */
export function formatDiff(lines: readonly DiffLine[], context = 3): string {
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((line, index) => {
    if (line.kind === 'same') return;
    for (let k = Math.max(0, index - context); k <= Math.min(lines.length - 1, index + context); k++) keep[k] = true;
  });
  const out: string[] = [];
  let skipped = false;
  lines.forEach((line, index) => {
    if (!keep[index]) {
      skipped = true;
      return;
    }
    if (skipped && out.length > 0) out.push('@@');
    skipped = false;
    out.push(`${line.kind === 'added' ? '+' : line.kind === 'removed' ? '-' : ' '} ${line.text}`);
  });
  return out.join('\n');
}
