import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareSection, compareSnapshots, countChanges, diffLines, formatDiff, normaliseSection } from './netstate-compare.js';
import { parseSnapshot, sectionText } from './netstate-snapshot.js';

/**
 * Real snapshots of one container (sonde-toolbox, iptables-nft, kernel without sch_prio):
 * `baseline` at start, `unchanged` two seconds later with nothing done, `changed` after
 * `iptables -A INPUT -p tcp --dport 9 -j DROP`, `ip6tables -P FORWARD DROP`,
 * `tc qdisc add dev eth0 root handle 1: htb default 10`, `tc qdisc add dev eth0 clsact` and an
 * nft table `inet sondetest`.
 */
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}.txt`, import.meta.url), 'utf8');
const snapshot = (name: string) => parseSnapshot(fixture(name), '@@sonde-0123456789abcdef', 'now');

describe('compareSnapshots', () => {
  it('finds nothing between two snapshots of an untouched namespace (whose raw text differs by timestamps)', () => {
    const [a, b] = [snapshot('snapshot-baseline'), snapshot('snapshot-unchanged')];
    expect(sectionText(a, 'iptables')).not.toBe(sectionText(b, 'iptables'));
    expect(compareSnapshots(a, b)).toEqual([]);
  });

  it('names each changed section with its added and removed lines', () => {
    const changes = compareSnapshots(snapshot('snapshot-baseline'), snapshot('snapshot-changed'));
    expect(changes.map(({ section, added, removed }) => ({ section, added, removed }))).toEqual([
      // The DROP rule (not *filter, its accepting chains and COMMIT).
      { section: 'iptables', added: 1, removed: 0 },
      // The FORWARD policy.
      { section: 'ip6tables', added: 1, removed: 0 },
      // Only the rule of `inet sondetest`: `ip filter` and `ip6 filter` are the iptables-nft mirror of the two above.
      { section: 'nft', added: 1, removed: 0 },
      { section: 'tc', added: 2, removed: 1 },
    ]);
    const iptables = changes.find((c) => c.section === 'iptables')!;
    expect(iptables.lines.filter((l) => l.kind === 'added').map((l) => l.text)).toContain('-A INPUT -p tcp -m tcp --dport 9 -j DROP');
    const tc = changes.find((c) => c.section === 'tc')!;
    expect(tc.lines.filter((l) => l.kind !== 'same')).toEqual([
      { kind: 'removed', text: 'qdisc noqueue 0: dev eth0 root' },
      { kind: 'added', text: 'qdisc clsact ffff: dev eth0 parent ffff:fff1' },
      { kind: 'added', text: 'qdisc htb 1: dev eth0 root r2q 10 default 0x10 direct_qlen 1000' },
    ]);
  });

  it('compares only sections both snapshots read', () => {
    const before = parseSnapshot('@@m begin tc\nqdisc a\n\n@@m end tc 0\n@@m missing nft\n', '@@m', 'a');
    const after = parseSnapshot('@@m begin tc\nqdisc a\n\n@@m end tc 0\n@@m begin nft\ntable ip x {\n}\n\n@@m end nft 0\n', '@@m', 'b');
    expect(compareSnapshots(before, after)).toEqual([]);
  });
});

describe('counting: a change counts once', () => {
  const marker = '@@m';
  const snap = (sections: Record<string, string>, at: string) =>
    parseSnapshot(Object.entries(sections).map(([name, text]) => `${marker} begin ${name}\n${text}\n${marker} end ${name} 0\n`).join(''), marker, at);
  const filter = (rules: string[]) => ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ...rules, 'COMMIT'].join('\n');
  const nftFilter = (rules: string[]) =>
    ['table ip filter {', '\tchain INPUT {', '\t\ttype filter hook input priority filter; policy accept;', ...rules.map((r) => `\t\t${r}`), '\t}', '}'].join('\n');

  it('one iptables-nft rule into a fresh table is +1 in iptables and nothing more in nft', () => {
    const before = snap({ iptables: '', nft: '' }, 'a');
    const after = snap({ iptables: filter(['-A INPUT -p tcp -m tcp --dport 9 -j DROP']), nft: nftFilter(['meta l4proto tcp tcp dport 9 counter packets 0 bytes 0 drop']) }, 'b');
    expect(compareSnapshots(before, after).map(({ section, added, removed }) => ({ section, added, removed }))).toEqual([{ section: 'iptables', added: 1, removed: 0 }]);
  });

  it('a rule added to a table that had one, and one removed, count one each', () => {
    const before = snap({ iptables: filter(['-A INPUT -p udp -j DROP']), nft: nftFilter(['meta l4proto udp counter drop']) }, 'a');
    const after = snap({ iptables: filter(['-A INPUT -p tcp -j DROP']), nft: nftFilter(['meta l4proto tcp counter drop']) }, 'b');
    expect(compareSnapshots(before, after).map(({ section, added, removed }) => ({ section, added, removed }))).toEqual([{ section: 'iptables', added: 1, removed: 1 }]);
  });

  it('an nft-only change still counts in nft, and a policy change counts once', () => {
    const before = snap({ iptables: '', nft: '' }, 'a');
    const nftOnly = 'table inet mine {\n\tchain c {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tudp dport 7 drop\n\t}\n}';
    expect(compareSnapshots(before, snap({ iptables: '', nft: nftOnly }, 'b')).map(({ section, added }) => ({ section, added }))).toEqual([{ section: 'nft', added: 1 }]);
    expect(compareSection('iptables', filter([]).replace(':FORWARD ACCEPT', ':FORWARD DROP'), filter([]))).toMatchObject({ added: 0, removed: 1 });
    expect(countChanges('iptables', diffLines(['*filter', ':INPUT ACCEPT', 'COMMIT'], ['*filter', ':INPUT DROP', 'COMMIT']))).toEqual({ added: 1, removed: 0 });
  });
});

describe('normalisation: what changes by itself is not a change', () => {
  it('iptables-legacy prints real chain counters even without -c', () => {
    const legacy = fixture('iptables-legacy-counters');
    expect(legacy).toContain(':INPUT ACCEPT [6:504]');
    expect(compareSection('iptables-legacy', legacy, legacy.replace('[6:504]', '[912:76608]'))).toBeUndefined();
    expect(normaliseSection('iptables-legacy', legacy)).toEqual(['*filter', ':FORWARD ACCEPT', ':INPUT ACCEPT', ':OUTPUT ACCEPT', '-A OUTPUT -o lo -j ACCEPT', 'COMMIT']);
  });

  it('a table that only accepts is as good as none (iptables-legacy -L creates one)', () => {
    const inert = '# Generated by iptables-save v1.8.9\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n# Completed\n';
    expect(compareSection('iptables-legacy', '', inert)).toBeUndefined();
    expect(compareSection('iptables', '', inert.replace(':FORWARD ACCEPT', ':FORWARD DROP'))).toMatchObject({ added: 1, removed: 0 });
  });

  it('table order and chain order do not matter, rule order within a chain does', () => {
    const text = sectionText(snapshot('snapshot-changed'), 'iptables')!;
    const [filter, nat] = text.split(/(?=# Generated)/).filter((t) => t.includes('*'));
    expect(compareSection('iptables', `${filter}${nat}`, `${nat}${filter}`)).toBeUndefined();
    const swapped = nat!.replace(/(-A DOCKER_OUTPUT .*tcp.*)\n(-A DOCKER_OUTPUT .*udp.*)/, '$2\n$1');
    expect(swapped).not.toBe(nat);
    expect(compareSection('iptables', nat, swapped)).toMatchObject({ added: 1, removed: 1 });
  });

  it('nft counters, warnings and empty accepting tables are ignored', () => {
    const withCounters = fixture('nft-counters');
    expect(withCounters).toContain('counter packets 6 bytes 504');
    const stateless = withCounters.replace(/ counter packets \d+ bytes \d+/g, ' counter');
    expect(compareSection('nft', withCounters, stateless)).toBeUndefined();
    const warned = `# Warning: table ip nat is managed by iptables-nft, do not touch!\n${stateless}`;
    expect(compareSection('nft', stateless, warned)).toBeUndefined();
    const emptyTable = '\ntable ip6 filter {\n\tchain INPUT {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}';
    expect(compareSection('nft', stateless, `${stateless}${emptyTable}`)).toBeUndefined();
    expect(compareSection('nft', stateless, `${stateless}${emptyTable.replace('policy accept', 'policy drop')}`)).toBeDefined();
  });

  it('tc reference counts and htb packet counters are ignored', () => {
    const before = 'qdisc htb 1: dev eth0 root refcnt 2 r2q 10 default 0x10 direct_packets_stat 0 direct_qlen 1000\nqdisc noqueue 0: dev lo root refcnt 2 ';
    const after = 'qdisc noqueue 0: dev lo root refcnt 2\nqdisc htb 1: dev eth0 root refcnt 3 r2q 10 default 0x10 direct_packets_stat 12 direct_qlen 1000';
    expect(compareSection('tc', before, after)).toBeUndefined();
    expect(compareSection('tc', before, after.replace('default 0x10', 'default 0x20'))).toMatchObject({ added: 1, removed: 1 });
  });
});

describe('diffLines and formatDiff', () => {
  it('is a longest-common-subsequence diff', () => {
    expect(diffLines(['a', 'b', 'c'], ['a', 'x', 'c', 'd'])).toEqual([
      { kind: 'same', text: 'a' },
      { kind: 'removed', text: 'b' },
      { kind: 'added', text: 'x' },
      { kind: 'same', text: 'c' },
      { kind: 'added', text: 'd' },
    ]);
  });

  it('shows context around changes and marks gaps', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    const after = [...before];
    after[2] = 'changed 2';
    after[15] = 'changed 15';
    expect(formatDiff(diffLines(before, after), 1)).toBe(['  line 1', '- line 2', '+ changed 2', '  line 3', '@@', '  line 14', '- line 15', '+ changed 15', '  line 16'].join('\n'));
    expect(formatDiff(diffLines(before, before))).toBe('');
  });

  it('falls back to a line count comparison for huge inputs', () => {
    const before = Array.from({ length: 3000 }, (_, i) => `rule ${i}`);
    const after = [...before.slice(1), 'rule new'];
    const lines = diffLines(before, after);
    expect(lines).toEqual([
      { kind: 'added', text: 'rule new' },
      { kind: 'removed', text: 'rule 0' },
    ]);
  });
});
