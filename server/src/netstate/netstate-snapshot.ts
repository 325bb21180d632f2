import { NETSTATE_SECTIONS, type NetstateSection } from '@sonde/shared';

/**
 * What a network-state snapshot is and how it is read from one toolbox's output. The snapshot
 * toolbox runs SNAPSHOT_SCRIPT, a fixed script: nothing from a request or a user reaches it; the
 * only variable is the section marker, a random token the server passes in the environment.
 */

/** How each section is read. Counters are left out where the tool allows (`nft -s`); the comparer strips the rest. */
export const SECTION_COMMANDS: Record<NetstateSection, readonly string[]> = {
  iptables: ['iptables-save'],
  ip6tables: ['ip6tables-save'],
  // The toolbox's iptables is the nf_tables variant; rules added with iptables-legacy live in
  // separate kernel tables that neither iptables-save nor nft shows, so they are read too.
  'iptables-legacy': ['iptables-legacy-save'],
  'ip6tables-legacy': ['ip6tables-legacy-save'],
  nft: ['nft', '-s', 'list', 'ruleset'],
  tc: ['tc', 'qdisc', 'show'],
};

/** Environment variable that carries the marker separating sections in the output. */
export const MARK_VARIABLE = 'SONDE_NETSTATE_MARK';

/**
 * Runs every section's command at once (each takes 50-150 ms, mostly process start-up), then
 * prints them in order, each framed by marker lines with its exit status. A command the image
 * lacks is reported as missing instead of failing the snapshot. A failed command's stderr is
 * its text; a successful one's stderr is dropped (nft warns "table … is managed by iptables-nft").
 */
export const SNAPSHOT_SCRIPT = [
  `mark=$${MARK_VARIABLE}`,
  'dir=$(mktemp -d)',
  'read_section() {',
  '  name=$1',
  '  shift',
  '  if command -v "$1" >/dev/null 2>&1; then',
  '    "$@" >"$dir/$name.out" 2>"$dir/$name.err"',
  '    echo $? >"$dir/$name.status"',
  '  else',
  '    echo missing >"$dir/$name.status"',
  '  fi',
  '}',
  ...NETSTATE_SECTIONS.map((name) => `read_section ${name} ${SECTION_COMMANDS[name].join(' ')} &`),
  'wait',
  `for name in ${NETSTATE_SECTIONS.join(' ')}; do`,
  '  status=$(cat "$dir/$name.status")',
  '  if [ "$status" = missing ]; then',
  `    printf '%s missing %s\\n' "$mark" "$name"`,
  '    continue',
  '  fi',
  `  printf '%s begin %s\\n' "$mark" "$name"`,
  '  if [ "$status" = 0 ]; then cat "$dir/$name.out"; else cat "$dir/$name.err"; fi',
  `  printf '\\n%s end %s %s\\n' "$mark" "$name" "$status"`,
  'done',
  'rm -rf "$dir"',
].join('\n');

export type SectionCapture =
  | { status: 'ok'; text: string }
  /** The image has no such command. */
  | { status: 'missing' }
  /** The command ran and failed (e.g. no permission, a kernel without that table family). */
  | { status: 'failed'; exitCode: number; text: string };

export interface NetSnapshot {
  takenAt: string;
  sections: Partial<Record<NetstateSection, SectionCapture>>;
}

const SECTION_NAMES = new Set<string>(NETSTATE_SECTIONS);

/**
 * Reads the script's output. A section whose end marker never came (the toolbox was cut off)
 * is left out, as is anything not between markers.
 */
export function parseSnapshot(output: string, mark: string, takenAt: string): NetSnapshot {
  const sections: NetSnapshot['sections'] = {};
  const lines = output.split('\n');
  let open: { name: NetstateSection; lines: string[] } | undefined;
  for (const line of lines) {
    if (!line.startsWith(`${mark} `)) {
      open?.lines.push(line);
      continue;
    }
    const [verb, name, status] = line.slice(mark.length + 1).trim().split(' ');
    if (!name || !SECTION_NAMES.has(name)) continue;
    const section = name as NetstateSection;
    if (verb === 'begin') {
      open = { name: section, lines: [] };
    } else if (verb === 'missing') {
      sections[section] = { status: 'missing' };
      open = undefined;
    } else if (verb === 'end' && open?.name === section) {
      // The script adds a newline before the end marker so a last line without one is kept whole.
      const body = open.lines;
      if (body.at(-1) === '') body.pop();
      const text = body.join('\n');
      const exitCode = Number(status);
      sections[section] = exitCode === 0 ? { status: 'ok', text } : { status: 'failed', exitCode: Number.isInteger(exitCode) ? exitCode : -1, text };
      open = undefined;
    }
  }
  return { takenAt, sections };
}

/** The text of a section when it was read successfully. */
export function sectionText(snapshot: NetSnapshot, section: NetstateSection): string | undefined {
  const capture = snapshot.sections[section];
  return capture?.status === 'ok' ? capture.text : undefined;
}
