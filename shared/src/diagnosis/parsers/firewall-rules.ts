import { parsePorts, type PortRange } from '../../tools/param-types.js';

/**
 * Firewall rulesets as `iptables-save -c` (nf_tables and legacy, IPv4 and IPv6) and
 * `nft list ruleset` print them, reduced to what decides whether a new connection to a local
 * port gets through: protocol, destination port, conntrack state, verdict, jumps, chain
 * policies and counters. Any other condition (a source address, an interface, a module this
 * reader does not know) makes a rule "narrowed": it drops some of that traffic, not all of it.
 * That is a heuristic, said so in the findings: the kernel is the only exact evaluator.
 */

export type FirewallSource = 'iptables' | 'ip6tables' | 'iptables-legacy' | 'ip6tables-legacy' | 'nft';
export type Protocol = 'tcp' | 'udp';

export type Verdict =
  | { kind: 'accept' | 'drop' | 'reject' | 'return' | 'other' }
  | { kind: 'jump' | 'goto'; chain: string };

export interface FirewallRule {
  source: FirewallSource;
  family: string;
  table: string;
  chain: string;
  /** The rule as printed, counters left out. */
  text: string;
  verdict: Verdict;
  /** Undefined: any protocol. */
  protocols?: string[];
  /** Destination ports; undefined: any port; `set`: a named nft set (unknown contents). */
  ports?: { ranges: PortRange[]; negated: boolean } | 'set';
  /** Conditions that limit which new connections match, in words (`source 10.0.0.0/8`). */
  conditions: string[];
  /** Its conntrack state match excludes NEW: it never sees the first packet of a connection. */
  notNew: boolean;
  packets?: number;
  bytes?: number;
}

export interface FirewallChain {
  source: FirewallSource;
  family: string;
  table: string;
  name: string;
  /** nft base chains: the hook; iptables: the built-in chain's own name, lower case. */
  hook?: string;
  policy?: 'accept' | 'drop';
  packets?: number;
  bytes?: number;
}

export interface Ruleset {
  chains: FirewallChain[];
  rules: FirewallRule[];
}

/**
 * The nft tables an `iptables-save` output covers (`ip filter`, `ip6 nat`, …), so the same rules
 * are not read twice. Tables it calls incompatible (native nft ones) are not covered.
 */
export function tablesRead(text: string, source: Exclude<FirewallSource, 'nft'>): Set<string> {
  const family = IPTABLES_FAMILY[source];
  const incompatible = new Set([...text.matchAll(/Table `(\S+)' is incompatible/g)].map((m) => m[1]));
  return new Set([...text.matchAll(/^\*(\S+)$/gm)].map((m) => m[1]!).filter((t) => !incompatible.has(t)).map((t) => `${family} ${t}`));
}

/** What drops or rejects new connections to a port, as found by walking the chains. */
export interface BlockingRule {
  source: FirewallSource;
  table: string;
  chain: string;
  /** The rule text, or `policy DROP` for a chain's policy. */
  text: string;
  verdict: 'drop' | 'reject';
  /** False when conditions beyond protocol and port limit it to some connections (listed). */
  certain: boolean;
  conditions: string[];
  policy: boolean;
  packets?: number;
  bytes?: number;
}

const IPTABLES_FAMILY: Record<Exclude<FirewallSource, 'nft'>, string> = {
  iptables: 'ip',
  ip6tables: 'ip6',
  'iptables-legacy': 'ip',
  'ip6tables-legacy': 'ip6',
};

/** Splits on whitespace, keeping "quoted strings" (comments, interface names) as one token. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) words.push(m[1] !== undefined ? m[1] : m[2]!);
  return words;
}

/** `80`, `8000:8100` (iptables), `8000-8100` (nft), `81,82,90:92`. */
function portRanges(value: string): PortRange[] | undefined {
  return parsePorts(value.replace(/:/g, '-').replace(/\s+/g, '')) ?? undefined;
}

const NEW_STATES = ['NEW', 'new'];

/** Whether a state list (`RELATED,ESTABLISHED`, `{ established, related }`) covers NEW, negation applied. */
function statesCoverNew(value: string, negated: boolean): boolean {
  const states = value.replace(/[{}]/g, '').split(/[\s,]+/).filter(Boolean);
  const hasNew = states.some((s) => NEW_STATES.includes(s));
  return negated ? !hasNew : hasNew;
}

/** Options of `iptables-save` lines that take exactly one value and narrow the match, with how to say them. */
const NARROWING_OPTIONS: Record<string, string> = {
  '-s': 'source',
  '--source': 'source',
  '-d': 'destination',
  '--destination': 'destination',
  '-i': 'in on',
  '--in-interface': 'in on',
  '-o': 'out on',
  '--out-interface': 'out on',
  '--sport': 'source port',
  '--source-port': 'source port',
  '--sports': 'source ports',
  '--source-ports': 'source ports',
};

/**
 * Reads `iptables-save -c` (or ip6tables-save, or the -legacy ones). Counters come as
 * `[packets:bytes]` before each rule and after each chain's policy.
 */
export function parseIptablesSave(text: string, source: Exclude<FirewallSource, 'nft'>): Ruleset {
  const family = IPTABLES_FAMILY[source];
  const ruleset: Ruleset = { chains: [], rules: [] };
  let table = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line === 'COMMIT') continue;
    if (line.startsWith('*')) {
      table = line.slice(1);
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^:(\S+)\s+(\S+)(?:\s+\[(\d+):(\d+)\])?/.exec(line))) {
      const policy = m[2] === 'DROP' ? 'drop' : m[2] === 'ACCEPT' ? 'accept' : undefined;
      ruleset.chains.push({
        source,
        family,
        table,
        name: m[1]!,
        ...(m[2] !== '-' ? { hook: m[1]!.toLowerCase() } : {}),
        ...(policy ? { policy } : {}),
        ...(m[3] !== undefined ? { packets: Number(m[3]), bytes: Number(m[4]) } : {}),
      });
      continue;
    }
    let counters: { packets: number; bytes: number } | undefined;
    let body = line;
    if ((m = /^\[(\d+):(\d+)\]\s+(.*)$/.exec(line))) {
      counters = { packets: Number(m[1]), bytes: Number(m[2]) };
      body = m[3]!;
    }
    if (!body.startsWith('-A ')) continue;
    const rule = iptablesRule(shellWords(body));
    if (!rule) continue;
    ruleset.rules.push({ source, family, table, ...rule, text: body, ...(counters ?? {}) });
  }
  // A jump to a name that is not a chain of the table is a target extension (LOG, MARK, DNAT…).
  for (const rule of ruleset.rules) {
    if (rule.verdict.kind === 'jump' || rule.verdict.kind === 'goto') {
      const target = rule.verdict.chain;
      if (!ruleset.chains.some((c) => c.table === rule.table && c.name === target)) rule.verdict = { kind: 'other' };
    }
  }
  return ruleset;
}

function iptablesRule(words: string[]): Omit<FirewallRule, 'source' | 'family' | 'table' | 'text'> | undefined {
  if (words[0] !== '-A' || !words[1]) return undefined;
  const rule: Omit<FirewallRule, 'source' | 'family' | 'table' | 'text'> = { chain: words[1], verdict: { kind: 'other' }, conditions: [], notNew: false };
  let negate = false;
  for (let i = 2; i < words.length; i++) {
    const word = words[i]!;
    const value = words[i + 1];
    if (word === '!') {
      negate = true;
      continue;
    }
    const negated = negate;
    negate = false;
    if (word === '-j' || word === '-g' || word === '--jump' || word === '--goto') {
      const target = value ?? '';
      if (target === 'ACCEPT') rule.verdict = { kind: 'accept' };
      else if (target === 'DROP') rule.verdict = { kind: 'drop' };
      else if (target === 'REJECT') rule.verdict = { kind: 'reject' };
      else if (target === 'RETURN') rule.verdict = { kind: 'return' };
      else rule.verdict = { kind: word === '-g' || word === '--goto' ? 'goto' : 'jump', chain: target };
      // Everything after the target is the target's own options (--reject-with …).
      break;
    }
    if (word === '-p' || word === '--protocol') {
      i++;
      if (negated) rule.conditions.push(`protocol not ${value}`);
      else if (value !== 'all') rule.protocols = [value ?? ''];
      continue;
    }
    if (word === '-m' || word === '--match') {
      i++;
      continue;
    }
    if (word === '--dport' || word === '--destination-port' || word === '--dports' || word === '--destination-ports') {
      i++;
      const ranges = portRanges(value ?? '');
      if (ranges) rule.ports = { ranges, negated };
      else rule.conditions.push(`destination ports ${value}`);
      continue;
    }
    if (word === '--ctstate' || word === '--state') {
      i++;
      if (!statesCoverNew(value ?? '', negated)) rule.notNew = true;
      continue;
    }
    if (word === '--comment') {
      i++;
      continue;
    }
    const said = NARROWING_OPTIONS[word];
    if (said) {
      i++;
      rule.conditions.push(`${negated ? 'not ' : ''}${said} ${value}`);
      continue;
    }
    if (word.startsWith('-')) {
      // An option this reader does not know: it and its values narrow the match.
      const values: string[] = [];
      while (i + 1 < words.length && !words[i + 1]!.startsWith('-') && words[i + 1] !== '!') values.push(words[++i]!);
      rule.conditions.push(`${negated ? '! ' : ''}${[word, ...values].join(' ')}`);
    }
  }
  return rule;
}

/** nft statements that end a rule's evaluation, and the rest of a rule after its matches. */
const NFT_VERDICTS = new Set(['accept', 'drop', 'reject', 'return', 'jump', 'goto', 'queue', 'continue']);

/** Joins `{ a, b }` into one token; nft prints anonymous sets that way. */
function nftWords(line: string): string[] {
  const words = shellWords(line);
  const joined: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (words[i] === '{') {
      const parts: string[] = [];
      while (i + 1 < words.length && words[i + 1] !== '}') parts.push(words[++i]!);
      i++;
      joined.push(`{ ${parts.join(' ')} }`);
    } else {
      joined.push(words[i]!);
    }
  }
  return joined;
}

/** A port value: `80`, `8000-8100`, `{ 81, 82 }`, `@allowed`; with `!=` before it when negated. */
function nftPorts(value: string, negated: boolean): FirewallRule['ports'] | undefined {
  if (value.startsWith('@')) return 'set';
  const ranges = portRanges(value.replace(/[{}]/g, '').replace(/,\s*/g, ',').trim());
  return ranges ? { ranges, negated } : undefined;
}

/** Words that begin a match expression in nft's output (and so end the one before). */
const NFT_EXPRESSIONS = new Set(['ip', 'ip6', 'inet', 'meta', 'ct', 'iifname', 'oifname', 'iif', 'oif', 'tcp', 'udp', 'th', 'sctp', 'icmp', 'icmpv6', 'ether', 'vlan', 'fib', 'socket', 'log', 'limit', 'mark', 'rt', 'ipsec', 'numgen', 'quota']);

/** What an nft rule matches and decides, from its words (counters removed first). */
function nftRule(words: string[]): Pick<FirewallRule, 'verdict' | 'protocols' | 'ports' | 'conditions' | 'notNew'> {
  const rule: Pick<FirewallRule, 'verdict' | 'protocols' | 'ports' | 'conditions' | 'notNew'> = { verdict: { kind: 'other' }, conditions: [], notNew: false };
  let i = 0;
  /** The value after a keyword, with `!=` before it read as negation. */
  const operand = (): { value: string; negated: boolean } => {
    const negated = words[i] === '!=';
    if (negated || words[i] === '==') i++;
    return { value: words[i++] ?? '', negated };
  };
  while (i < words.length) {
    const word = words[i]!;
    if (NFT_VERDICTS.has(word)) {
      if (word === 'accept' || word === 'drop' || word === 'reject' || word === 'return') rule.verdict = { kind: word };
      else if ((word === 'jump' || word === 'goto') && words[i + 1]) rule.verdict = { kind: word, chain: words[i + 1]! };
      break;
    }
    const next = words[i + 1];
    if ((word === 'tcp' || word === 'udp' || word === 'th' || word === 'sctp') && next === 'dport') {
      i += 2;
      const { value, negated } = operand();
      if (word !== 'th') rule.protocols = [word];
      const ports = nftPorts(value, negated);
      if (ports) rule.ports = ports;
      else rule.conditions.push(`${word} dport ${negated ? '!= ' : ''}${value}`);
      continue;
    }
    if ((word === 'meta' && next === 'l4proto') || (word === 'ip' && next === 'protocol') || (word === 'ip6' && next === 'nexthdr')) {
      i += 2;
      const { value, negated } = operand();
      if (negated) rule.conditions.push(`protocol not ${value}`);
      else rule.protocols = value.replace(/[{}]/g, '').split(/[\s,]+/).filter(Boolean);
      continue;
    }
    if (word === 'ct' && next === 'state') {
      i += 2;
      const { value, negated } = operand();
      if (!statesCoverNew(value, negated)) rule.notNew = true;
      continue;
    }
    // Any other expression runs to the next one or the verdict.
    const expression = [word];
    i++;
    while (i < words.length && !NFT_VERDICTS.has(words[i]!) && !NFT_EXPRESSIONS.has(words[i]!)) expression.push(words[i++]!);
    if (word === 'tcp' || word === 'udp' || word === 'icmp' || word === 'icmpv6') rule.protocols = [word];
    // Logging changes nothing about the packet's fate.
    if (word !== 'log') rule.conditions.push(expression.join(' '));
  }
  return rule;
}

/**
 * Reads `nft list ruleset`. Tables iptables-save already read (`alsoRead`: `ip filter`, …) are
 * skipped, and so are those nft itself says iptables-nft manages (on stderr: "table ip nat is
 * managed by iptables-nft"; it only says so for tables with xtables extensions, hence both).
 * Named sets, maps, flowtables and other non-chain blocks are skipped.
 */
export function parseNftRuleset(text: string, stderr = '', alsoRead: ReadonlySet<string> = new Set()): Ruleset {
  const managed = new Set([...alsoRead, ...[...stderr.matchAll(/table (\S+) (\S+) is managed by iptables-nft/g)].map((m) => `${m[1]} ${m[2]}`)]);
  const ruleset: Ruleset = { chains: [], rules: [] };
  let table: { family: string; name: string } | undefined;
  let chain: FirewallChain | undefined;
  let skipDepth = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (skipDepth > 0) {
      skipDepth += (line.match(/{/g) ?? []).length - (line.match(/}/g) ?? []).length;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^table (\S+) (\S+) \{$/.exec(line))) {
      table = { family: m[1]!, name: m[2]! };
      if (managed.has(`${table.family} ${table.name}`)) {
        skipDepth = 1;
        table = undefined;
      }
      continue;
    }
    if (!table) continue;
    if ((m = /^chain (\S+) \{$/.exec(line))) {
      chain = { source: 'nft', family: table.family, table: table.name, name: m[1]! };
      ruleset.chains.push(chain);
      continue;
    }
    if (line === '}') {
      if (chain) chain = undefined;
      else table = undefined;
      continue;
    }
    if (!chain) {
      // set, map, flowtable, counter, quota, ct helper … blocks.
      if (line.endsWith('{')) skipDepth = 1;
      continue;
    }
    if ((m = /^type (\S+) hook (\S+)(?: device \S+)? priority [^;]+;(?:\s*policy (accept|drop);)?/.exec(line))) {
      chain.hook = m[2]!;
      if (m[3]) chain.policy = m[3] as 'accept' | 'drop';
      continue;
    }
    let counters: { packets: number; bytes: number } | undefined;
    const counted = /\bcounter packets (\d+) bytes (\d+)\s*/.exec(line);
    if (counted) counters = { packets: Number(counted[1]), bytes: Number(counted[2]) };
    const ruleText = line.replace(/\s*\bcounter packets \d+ bytes \d+/, '').replace(/\s*\bcounter\b/, '').trim();
    ruleset.rules.push({ source: 'nft', family: table.family, table: table.name, chain: chain.name, text: line, ...nftRule(nftWords(ruleText)), ...(counters ?? {}) });
  }
  return ruleset;
}

function portMatches(rule: FirewallRule, port: number, protocol: Protocol): 'yes' | 'no' | 'maybe' {
  if (rule.protocols && !rule.protocols.includes(protocol)) return 'no';
  if (rule.ports === undefined) return 'yes';
  if (rule.ports === 'set') return 'maybe';
  const inside = rule.ports.ranges.some((r) => port >= r.from && port <= r.to);
  return inside !== rule.ports.negated ? 'yes' : 'no';
}

/** Chains new inbound connections to local ports pass, per source: where to start walking. */
function entryChains(ruleset: Ruleset): FirewallChain[] {
  return ruleset.chains.filter((c) => {
    if (c.source === 'nft') return c.hook === 'input' || c.hook === 'prerouting';
    return (c.table === 'filter' && c.name === 'INPUT') || ((c.table === 'raw' || c.table === 'mangle') && c.name === 'PREROUTING') || (c.table === 'mangle' && c.name === 'INPUT');
  });
}

type WalkResult = 'accepted' | 'dropped' | 'fallthrough';

const MAX_JUMP_DEPTH = 16;

/**
 * The rules and policies that drop or reject new connections to `port`/`protocol`, walking
 * every entry chain of every ruleset from its first rule, following jumps, stopping at the
 * first unconditional verdict. A rule shadowed by an earlier unconditional ACCEPT is not listed.
 */
export function blockingRules(rulesets: readonly Ruleset[], port: number, protocol: Protocol): BlockingRule[] {
  const found: BlockingRule[] = [];
  for (const ruleset of rulesets) {
    const walk = (chain: { source: FirewallSource; family: string; table: string; name: string }, inherited: string[], depth: number): WalkResult => {
      if (depth > MAX_JUMP_DEPTH) return 'fallthrough';
      const rules = ruleset.rules.filter((r) => r.source === chain.source && r.family === chain.family && r.table === chain.table && r.chain === chain.name);
      for (const rule of rules) {
        if (rule.notNew) continue;
        const matches = portMatches(rule, port, protocol);
        if (matches === 'no') continue;
        const conditions = [...inherited, ...rule.conditions, ...(matches === 'maybe' ? ['destination port in a named set'] : [])];
        const narrowed = conditions.length > inherited.length || matches === 'maybe';
        switch (rule.verdict.kind) {
          case 'accept':
            if (!narrowed) return 'accepted';
            break;
          case 'drop':
          case 'reject':
            found.push({
              source: rule.source,
              table: rule.table,
              chain: rule.chain,
              text: rule.text,
              verdict: rule.verdict.kind,
              certain: conditions.length === 0,
              conditions,
              policy: false,
              ...(rule.packets !== undefined ? { packets: rule.packets, bytes: rule.bytes } : {}),
            });
            if (!narrowed) return 'dropped';
            break;
          case 'return':
            if (!narrowed) return 'fallthrough';
            break;
          case 'jump':
          case 'goto': {
            const result = walk({ ...chain, name: rule.verdict.chain }, conditions, depth + 1);
            if (!narrowed && result !== 'fallthrough') return result;
            if (!narrowed && rule.verdict.kind === 'goto') return 'fallthrough';
            break;
          }
          case 'other':
            break;
        }
      }
      return 'fallthrough';
    };
    for (const chain of entryChains(ruleset)) {
      const result = walk(chain, [], 0);
      if (result === 'fallthrough' && chain.policy === 'drop') {
        found.push({
          source: chain.source,
          table: chain.table,
          chain: chain.name,
          text: `policy DROP of ${chain.name} (no rule accepts the port before it)`,
          verdict: 'drop',
          certain: true,
          conditions: [],
          policy: true,
          ...(chain.packets !== undefined ? { packets: chain.packets, bytes: chain.bytes } : {}),
        });
      }
    }
  }
  return found;
}
