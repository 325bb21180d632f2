import type { NetstateSection } from '@sonde/shared';
import { isInertNftTable, isInertXtablesTable, normaliseSection, normaliseTcLine, parseNftTables, parseXtables } from './netstate-compare.js';

/**
 * Turns "the namespace looked like this, now it looks like that" into commands that bring it
 * back. Every command is a fixed argv; what varies (the saved ruleset, tc commands derived from
 * the saved output) is its stdin, never a command line or a shell string. Pure.
 */
export interface RestoreCommand {
  section: NetstateSection;
  argv: string[];
  stdin: string;
  /** For people and the audit trail. */
  describe: string;
}

const RESTORE_ARGV: Partial<Record<NetstateSection, string[]>> = {
  iptables: ['iptables-restore'],
  ip6tables: ['ip6tables-restore'],
  'iptables-legacy': ['iptables-legacy-restore'],
  'ip6tables-legacy': ['ip6tables-legacy-restore'],
};

/**
 * `iptables-restore` replaces each table its input names and leaves the others alone, so the
 * saved text alone would not undo a table created since (the usual case: a container starts
 * with no filter table). Such tables are named with only their built-in chains, accepting:
 * flushed, user chains deleted, policies back to the kernel's default.
 */
export function planXtablesRestore(section: NetstateSection, before: string, current: string): RestoreCommand {
  const argv = RESTORE_ARGV[section];
  if (!argv) throw new Error(`${section} is not an iptables section`);
  const saved = parseXtables(before).filter((t) => !isInertXtablesTable(t));
  const savedNames = new Set(saved.map((t) => t.name));
  const input: string[] = [];
  for (const table of saved) {
    input.push(`*${table.name}`);
    for (const chain of table.chains) input.push(`:${chain.name} ${chain.policy} [0:0]`);
    input.push(...table.rules, 'COMMIT');
  }
  for (const table of parseXtables(current)) {
    if (savedNames.has(table.name) || isInertXtablesTable(table)) continue;
    input.push(`*${table.name}`);
    for (const chain of table.chains) if (chain.policy !== '-') input.push(`:${chain.name} ACCEPT [0:0]`);
    input.push('COMMIT');
  }
  return { section, argv: [...argv], stdin: input.length > 0 ? `${input.join('\n')}\n` : '', describe: `${argv[0]} < snapshot` };
}

/** Table names iptables-nft uses; in the ip and ip6 families they belong to iptables when iptables-save lists them. */
const XTABLES_TABLES = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);

/** `ip nat`, `ip6 filter`: the nft tables iptables-nft manages, read from the saved iptables and ip6tables output. */
export function iptablesNftTables(iptables: string, ip6tables: string): Set<string> {
  const keys = new Set<string>();
  for (const [family, text] of [['ip', iptables], ['ip6', ip6tables]] as const) {
    for (const table of parseXtables(text)) if (XTABLES_TABLES.has(table.name)) keys.add(`${family} ${table.name}`);
  }
  return keys;
}

export interface NftPlan {
  command?: RestoreCommand;
  notes: string[];
}

/**
 * One `nft -f -` transaction (all or nothing) that deletes tables created since and replaces
 * changed tables with their saved text. Tables iptables-nft manages (`managed`) are never
 * rewritten with nft, which would leave them unreadable to iptables ("incompatible"):
 * iptables-restore has put those back already.
 */
export function planNftRestore(before: string, current: string, managed: ReadonlySet<string> = new Set()): NftPlan {
  const saved = new Map(parseNftTables(before).filter((t) => !isInertNftTable(t)).map((t) => [t.key, t]));
  const now = new Map(parseNftTables(current).map((t) => [t.key, t]));
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((line, i) => line === b[i]);
  const commands: string[] = [];
  const notes: string[] = [];
  for (const [key, table] of now) {
    const savedTable = saved.get(key);
    if (!savedTable) {
      if (!isInertNftTable(table)) commands.push(`delete table ${key}`);
      continue;
    }
    if (same(normaliseSection('nft', savedTable.lines.join('\n')), normaliseSection('nft', table.lines.join('\n')))) continue;
    if (managed.has(key)) {
      notes.push(`nft table ${key} belongs to iptables (iptables-nft); it was restored with iptables-restore only.`);
      continue;
    }
    commands.push(`delete table ${key}`, ...savedTable.lines);
  }
  for (const [key, table] of saved) {
    if (now.has(key)) continue;
    if (managed.has(key)) notes.push(`nft table ${key} belongs to iptables (iptables-nft); it was restored with iptables-restore only.`);
    else commands.push(...table.lines);
  }
  if (commands.length === 0) return { notes };
  return { command: { section: 'nft', argv: ['nft', '-f', '-'], stdin: `${commands.join('\n')}\n`, describe: 'nft -f - < changed tables of the snapshot' }, notes };
}

interface Qdisc {
  kind: string;
  handle: string;
  dev: string;
  /** `root`, or the parent's id (`ffff:fff1` for ingress and clsact). */
  parent: string;
  /** Options as printed after the placement, without counters. */
  options: string[];
  /** The normalised line, for comparison. */
  line: string;
}

const INGRESS_PARENT = 'ffff:fff1';
/** Qdiscs tc takes no options for, whatever `show` prints about them. */
const WITHOUT_OPTIONS = new Set(['pfifo_fast', 'noqueue', 'mq', 'ingress', 'clsact', 'mqprio']);
/** Words that can go on a tc batch line as they are: tc's own output, minus anything that would need quoting. */
const SAFE_WORD = /^[A-Za-z0-9_.:/%+-]+$/;

/** Reads `tc qdisc show`: `qdisc <kind> <handle> dev <dev> (root | parent <id>) [refcnt N] [options]`. */
export function parseQdiscs(text: string): Qdisc[] {
  const qdiscs: Qdisc[] = [];
  for (const raw of text.split('\n')) {
    const line = normaliseTcLine(raw);
    const words = line.split(' ');
    if (words[0] !== 'qdisc' || words[3] !== 'dev' || words.length < 6) continue;
    const [, kind = '', handle = '', , dev = ''] = words;
    let rest = words.slice(5);
    let parent: string;
    if (rest[0] === 'root') {
      parent = 'root';
      rest = rest.slice(1);
    } else if (rest[0] === 'parent' && rest[1]) {
      parent = rest[1];
      rest = rest.slice(2);
    } else {
      continue;
    }
    // An ingress qdisc prints a row of dashes where options would be.
    qdiscs.push({ kind, handle, dev, parent, options: rest.filter((w) => !/^-+$/.test(w)), line });
  }
  return qdiscs;
}

export interface TcPlan {
  command?: RestoreCommand;
  /** What the plan leaves as it is, and why. */
  notes: string[];
}

/**
 * Per device whose qdiscs differ: a root qdisc the kernel had chosen (handle `0:`) comes back by
 * deleting whatever root is there now; a root someone had set is replaced with its saved kind,
 * handle and options. Ingress/clsact are deleted or added back. The snapshot holds qdiscs only:
 * classes and filters under them are not restored, and devices are neither created nor removed.
 */
export function planTcRestore(before: string, current: string): TcPlan {
  const saved = parseQdiscs(before);
  const now = parseQdiscs(current);
  const devices = [...new Set([...saved, ...now].map((q) => q.dev))].sort();
  const lines: string[] = [];
  const notes: string[] = [];
  for (const dev of devices) {
    const was = saved.filter((q) => q.dev === dev);
    const is = now.filter((q) => q.dev === dev);
    const key = (qs: Qdisc[]) => qs.map((q) => q.line).sort().join('\n');
    if (key(was) === key(is)) continue;
    if (!SAFE_WORD.test(dev)) {
      notes.push(`Device "${dev}" has a name Sonde does not pass to tc; its qdiscs were left as they are.`);
      continue;
    }
    if (was.length === 0) {
      notes.push(`${dev} did not exist when the session started; its qdiscs were left as they are (Sonde does not remove interfaces).`);
      continue;
    }
    if (is.length === 0) {
      notes.push(`${dev} is gone; Sonde does not re-create interfaces.`);
      continue;
    }
    const wasRoot = was.find((q) => q.parent === 'root');
    const isRoot = is.find((q) => q.parent === 'root');
    const rootChanged = wasRoot?.line !== isRoot?.line;
    if (rootChanged) {
      if (!wasRoot || wasRoot.handle === '0:') {
        // The kernel's default root (noqueue, pfifo_fast, mq, fq_codel…) comes back on delete.
        if (isRoot && isRoot.handle !== '0:') lines.push(`qdisc del dev ${dev} root`);
        else notes.push(`${dev}: the default root qdisc changed kind (${isRoot?.kind ?? 'none'} instead of ${wasRoot?.kind ?? 'none'}); the kernel chose both, so it was left as it is.`);
      } else {
        const words = [wasRoot.kind, ...(WITHOUT_OPTIONS.has(wasRoot.kind) ? [] : wasRoot.options)];
        if (words.every((w) => SAFE_WORD.test(w)) && SAFE_WORD.test(wasRoot.handle)) {
          lines.push(`qdisc replace dev ${dev} root handle ${wasRoot.handle} ${words.join(' ')}`);
          notes.push(`${dev}: the root qdisc ${wasRoot.kind} ${wasRoot.handle} was re-created from its printed options; classes and filters under it are not in the snapshot and were not restored.`);
        } else {
          notes.push(`${dev}: the root qdisc ${wasRoot.kind} ${wasRoot.handle} cannot be expressed as a tc command; it was left as it is.`);
        }
      }
    } else {
      // Same root: undo qdiscs added under it; ones removed from under it cannot be rebuilt without their classes.
      for (const q of is) {
        if (q.parent === 'root' || q.parent === INGRESS_PARENT || was.some((w) => w.line === q.line)) continue;
        if (SAFE_WORD.test(q.parent)) lines.push(`qdisc del dev ${dev} parent ${q.parent}`);
      }
      for (const q of was) {
        if (q.parent === 'root' || q.parent === INGRESS_PARENT || is.some((w) => w.line === q.line)) continue;
        notes.push(`${dev}: the qdisc ${q.kind} ${q.handle} under ${q.parent} was removed and cannot be rebuilt without its class; it was not restored.`);
      }
    }
    const wasIngress = was.find((q) => q.parent === INGRESS_PARENT);
    const isIngress = is.find((q) => q.parent === INGRESS_PARENT);
    if (wasIngress?.line !== isIngress?.line) {
      if (isIngress && SAFE_WORD.test(isIngress.kind)) lines.push(`qdisc del dev ${dev} ${isIngress.kind}`);
      if (wasIngress && SAFE_WORD.test(wasIngress.kind)) {
        lines.push(`qdisc add dev ${dev} ${wasIngress.kind}`);
        notes.push(`${dev}: the ${wasIngress.kind} qdisc was added back without its filters (they are not in the snapshot).`);
      }
    }
  }
  if (lines.length === 0) return { notes };
  // -force: one refused line does not stop the others; the final snapshot says what is left.
  return { command: { section: 'tc', argv: ['tc', '-force', '-batch', '-'], stdin: `${lines.join('\n')}\n`, describe: 'tc -force -batch - < qdisc commands' }, notes };
}
