import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareSection } from './netstate-compare.js';
import { iptablesNftTables, parseQdiscs, planNftRestore, planTcRestore, planXtablesRestore } from './netstate-revert.js';
import { parseSnapshot, sectionText } from './netstate-snapshot.js';

/** The real snapshots of netstate-compare.test.ts: a container before and after iptables, ip6tables, nft and tc changes. */
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}.txt`, import.meta.url), 'utf8');
const snapshot = (name: string) => parseSnapshot(fixture(name), '@@sonde-0123456789abcdef', 'now');
const before = snapshot('snapshot-baseline');
const after = snapshot('snapshot-changed');
const text = (s: typeof before, section: Parameters<typeof sectionText>[1]) => sectionText(s, section)!;

describe('planXtablesRestore', () => {
  it("restores the saved tables and empties a table created since (iptables-restore leaves tables it is not given alone)", () => {
    const command = planXtablesRestore('iptables', text(before, 'iptables'), text(after, 'iptables'));
    expect(command.argv).toEqual(['iptables-restore']);
    expect(command.stdin).toBe(
      [
        '*nat',
        ':PREROUTING ACCEPT [0:0]',
        ':INPUT ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ':POSTROUTING ACCEPT [0:0]',
        ':DOCKER_OUTPUT - [0:0]',
        ':DOCKER_POSTROUTING - [0:0]',
        '-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT',
        '-A POSTROUTING -d 127.0.0.11/32 -j DOCKER_POSTROUTING',
        '-A DOCKER_OUTPUT -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 127.0.0.11:45735',
        '-A DOCKER_OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.11:49614',
        '-A DOCKER_POSTROUTING -s 127.0.0.11/32 -p tcp -m tcp --sport 45735 -j SNAT --to-source :53',
        '-A DOCKER_POSTROUTING -s 127.0.0.11/32 -p udp -m udp --sport 49614 -j SNAT --to-source :53',
        'COMMIT',
        '*filter',
        ':INPUT ACCEPT [0:0]',
        ':FORWARD ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        'COMMIT',
        '',
      ].join('\n'),
    );
    // What that input leaves behind compares equal to the snapshot.
    const restored = `${text(before, 'iptables')}\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n`;
    expect(compareSection('iptables', text(before, 'iptables'), restored)).toBeUndefined();
  });

  it('puts a changed policy back to the default when the table did not exist', () => {
    const command = planXtablesRestore('ip6tables', text(before, 'ip6tables'), text(after, 'ip6tables'));
    expect(command).toMatchObject({ argv: ['ip6tables-restore'], stdin: '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n' });
    expect(planXtablesRestore('iptables-legacy', '', '').stdin).toBe('');
    expect(planXtablesRestore('iptables-legacy', '', '').argv).toEqual(['iptables-legacy-restore']);
  });
});

describe('planNftRestore', () => {
  it('deletes tables created since and does not touch the tables iptables-nft manages', () => {
    const { command } = planNftRestore(text(before, 'nft'), text(after, 'nft'));
    expect(command!.argv).toEqual(['nft', '-f', '-']);
    expect(command!.stdin).toBe('delete table ip filter\ndelete table ip6 filter\ndelete table inet sondetest\n');
  });

  it('replaces a changed table with its saved text and re-creates a deleted one, in one transaction', () => {
    const saved = 'table inet app {\n\tchain c {\n\t\ttype filter hook input priority filter; policy drop;\n\t\ttcp dport 22 accept\n\t}\n}\ntable inet other {\n\tset s {\n\t\ttype ipv4_addr\n\t}\n}';
    const now = 'table inet app {\n\tchain c {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}';
    expect(planNftRestore(saved, now).command!.stdin).toBe(`delete table inet app\n${saved}\n`);
    expect(planNftRestore(saved, saved)).toEqual({ notes: [] });
  });

  it('never rewrites a table iptables-nft manages, and ignores the order chains are listed in', () => {
    const managed = iptablesNftTables(text(before, 'iptables'), text(before, 'ip6tables'));
    expect([...managed]).toEqual(['ip nat']);
    const nat = text(before, 'nft');
    const withRule = nat.replace('ip daddr 127.0.0.11 counter jump DOCKER_OUTPUT', 'ip daddr 127.0.0.11 counter jump DOCKER_OUTPUT\n\t\ttcp dport 7 return');
    const plan = planNftRestore(nat, withRule, managed);
    expect(plan.command).toBeUndefined();
    expect(plan.notes).toEqual(['nft table ip nat belongs to iptables (iptables-nft); it was restored with iptables-restore only.']);
    // The same chains in another order (as iptables-restore re-creates them): no difference at all.
    const body = nat.trimEnd().replace(/\n\}$/, '');
    const [head, ...chains] = body.split(/\n(?=\tchain )/);
    const reordered = `${[head, ...chains.reverse()].join('\n')}\n}`;
    expect(reordered).not.toBe(nat);
    expect(planNftRestore(nat, reordered)).toEqual({ notes: [] });
  });
});

describe('planTcRestore', () => {
  it("deletes the qdiscs added since when the kernel's default was there", () => {
    const plan = planTcRestore(text(before, 'tc'), text(after, 'tc'));
    expect(plan.command).toMatchObject({ argv: ['tc', '-force', '-batch', '-'], stdin: 'qdisc del dev eth0 root\nqdisc del dev eth0 clsact\n' });
    expect(plan.notes).toEqual([]);
  });

  it('re-creates a root qdisc someone had set, from its printed options, and says what it cannot restore', () => {
    const saved = 'qdisc tbf 8001: dev eth0 root refcnt 2 rate 1Mbit burst 4Kb lat 400ms \nqdisc ingress ffff: dev eth0 parent ffff:fff1 ---------------- ';
    const now = 'qdisc noqueue 0: dev eth0 root refcnt 2 ';
    const plan = planTcRestore(saved, now);
    expect(plan.command?.stdin).toBe('qdisc replace dev eth0 root handle 8001: tbf rate 1Mbit burst 4Kb lat 400ms\nqdisc add dev eth0 ingress\n');
    expect(plan.notes.join(' ')).toMatch(/classes and filters under it are not in the snapshot/);
    expect(plan.notes.join(' ')).toMatch(/ingress qdisc was added back without its filters/);
  });

  it('leaves interfaces alone: one created since, one gone, and names it would not pass to tc', () => {
    const saved = 'qdisc noqueue 0: dev eth0 root refcnt 2\nqdisc noqueue 0: dev old0 root refcnt 2';
    const now = 'qdisc noqueue 0: dev eth0 root refcnt 2\nqdisc htb 1: dev dummy0 root refcnt 2 r2q 10 default 0 direct_packets_stat 0 direct_qlen 1000\nqdisc htb 1: dev we"ird root refcnt 2';
    const plan = planTcRestore(saved, now);
    expect(plan.command).toBeUndefined();
    expect(plan.notes).toHaveLength(3);
    expect(plan.notes.join('\n')).toMatch(/dummy0 did not exist/);
    expect(plan.notes.join('\n')).toMatch(/old0 is gone/);
    expect(plan.notes.join('\n')).toMatch(/we"ird/);
  });

  it('parses placement and options, without counters and the dashes ingress prints', () => {
    expect(parseQdiscs(text(after, 'tc'))).toEqual([
      { kind: 'noqueue', handle: '0:', dev: 'lo', parent: 'root', options: [], line: 'qdisc noqueue 0: dev lo root' },
      { kind: 'htb', handle: '1:', dev: 'eth0', parent: 'root', options: ['r2q', '10', 'default', '0x10', 'direct_qlen', '1000'], line: 'qdisc htb 1: dev eth0 root r2q 10 default 0x10 direct_qlen 1000' },
      { kind: 'clsact', handle: 'ffff:', dev: 'eth0', parent: 'ffff:fff1', options: [], line: 'qdisc clsact ffff: dev eth0 parent ffff:fff1' },
    ]);
  });
});
