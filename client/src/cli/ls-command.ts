/** `sonde ls`: containers, networks, engines, sessions or tools, as a table or JSON. */
import { parseArgs } from 'node:util';
import type { ToolboxImageStatus } from '@sonde/shared';
import type { SondeClient } from '../sonde-client.js';
import { describeTarget } from '../runs/run-card.js';
import { ExitCode, usage } from './cli-error.js';

export const LS_HELP = `usage: sonde ls [containers|networks|engines|sessions|tools] [--engine E] [--all] [--json]

Lists what the console sees (containers by default).
  --engine E   containers and networks of one engine only
  --all        containers: include Sonde's own toolboxes
  --json       the API's JSON instead of a table`;

const KINDS = ['containers', 'networks', 'engines', 'sessions', 'tools'] as const;
type Kind = (typeof KINDS)[number];

export async function lsCommand(connect: () => SondeClient, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { engine: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${LS_HELP}\n`);
    return ExitCode.Ok;
  }
  if (positionals.length > 1) throw usage('sonde ls: list one kind at a time.');
  const kind = (positionals[0] ?? 'containers') as Kind;
  if (!KINDS.includes(kind)) throw usage(`sonde ls: unknown kind "${positionals[0]}" (one of ${KINDS.join(', ')}).`);
  const query = values.engine === undefined ? {} : { engine: values.engine };
  const client = connect();
  let data: unknown;
  let rows: string[][];
  let unreachable: string[] = [];
  switch (kind) {
    case 'containers': {
      const listing = await client.containerListing(query);
      unreachable = listing.unreachable;
      const items = values.all ? listing.items : listing.items.filter((c) => !c.toolbox);
      data = items;
      rows = [['NAME', 'ENGINE', 'STATE', 'IMAGE', 'NETWORKS'], ...items.map((c) => [c.name, c.engine, c.state, c.image, c.networks.map((n) => n.name).join(',')])];
      break;
    }
    case 'networks': {
      const listing = await client.networkListing(query);
      unreachable = listing.unreachable;
      data = listing.items;
      rows = [['NAME', 'ENGINE', 'DRIVER', 'SUBNETS', 'CONTAINERS'], ...listing.items.map((n) => [n.name, n.engine, n.driver, n.subnets.join(','), String(n.containers.length)])];
      break;
    }
    case 'engines': {
      const engines = await client.engines();
      data = engines;
      rows = [
        ['NAME', 'KIND', 'REACHABLE', 'VERSION', 'SWARM', 'TOOLBOX', 'ERROR'],
        ...engines.map((e) => [e.name, e.kind, e.reachable ? 'yes' : 'no', e.version ?? '', e.swarm?.role ?? '', toolboxCell(e.toolboxImage), e.error ?? e.toolboxImage?.error ?? '']),
      ];
      break;
    }
    case 'sessions': {
      const sessions = await client.sessions();
      data = sessions;
      rows = [['ID', 'TARGET', 'STATE', 'OWNER', 'CLIENTS', 'CREATED'], ...sessions.map((s) => [s.id, describeTarget(s.target), s.state, s.owner.name, String(s.clients), s.createdAt])];
      break;
    }
    case 'tools': {
      const tools = await client.tools();
      data = tools;
      rows = [['TOOL', 'PARAMETERS', 'DESCRIPTION'], ...tools.map((t) => [t.id, t.params.map((p) => `${p.name}${p.required ? '' : '?'}`).join(','), t.description])];
      break;
    }
    default: {
      const unexpected: never = kind;
      return unexpected;
    }
  }
  if (values.json) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else process.stdout.write(table(rows));
  if (unreachable.length > 0) process.stderr.write(`sonde ls: left out engines that did not answer: ${unreachable.join(', ')}\n`);
  return ExitCode.Ok;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd() + '\n').join('');
}

/** An engine's toolbox image as `sonde ls engines` shows it: `present`, `pulling 37%`, `failed`, `missing`; empty until checked (and on Kubernetes). */
export function toolboxCell(image: ToolboxImageStatus | undefined): string {
  if (!image) return '';
  return image.state === 'pulling' && image.percent !== undefined ? `pulling ${image.percent}%` : image.state;
}
