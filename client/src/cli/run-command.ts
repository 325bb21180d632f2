/**
 * `sonde run <tool>`: starts a tool run, waits for it, prints its result card (or the run as
 * JSON). Exits 0 only when the verdict is ok, so a script can branch on it.
 */
import type { ParamValue, ToolInfo } from '@sonde/shared';
import { parseArgs } from 'node:util';
import type { SondeClient } from '../sonde-client.js';
import { attachTerminal } from '../node/attach-terminal.js';
import { runCardLines, runVerdict } from '../runs/run-card.js';
import { CliError, ExitCode, usage } from './cli-error.js';
import { TARGET_HELP, TARGET_OPTIONS, targetFrom } from './target-options.js';

export const RUN_HELP = `usage: sonde run <tool> (--target <container> | --network N | --host) [--param k=v ...] [--json] [--follow]

Runs a tool from the catalog (\`sonde ls tools\`), waits for it to end and prints its
result card. Exits 0 only when the verdict is ok (exit status 0 and a good result:
NOERROR, a ping reply, HTTP < 400, every port open), 1 otherwise.

  --target C        the container to run in (or use --network / --host)
  --param k=v       a tool parameter, repeatable (sonde ls tools --json lists them)
  --json            print the finished run as JSON instead of the card
  --follow          copy the tool's output to standard error while it runs

${TARGET_HELP.replace('<container>       ', '--target C        ')}`;

const NUMERIC = new Set(['port', 'count', 'seconds']);

export async function runCommand(connect: () => SondeClient, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      target: { type: 'string' },
      param: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      follow: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${RUN_HELP}\n`);
    return ExitCode.Ok;
  }
  const [toolId, ...extra] = positionals;
  if (!toolId) throw usage('sonde run: name a tool, e.g. `sonde run dig --target web --param host=db`.');
  if (extra.length > 0) throw usage(`sonde run: unexpected argument "${extra[0]}" (the target goes after --target).`);
  const target = targetFrom('run', values.target, values);
  const client = connect();
  const tool = (await client.tools()).find((t) => t.id === toolId);
  if (!tool) throw new CliError(`sonde run: there is no tool "${toolId}" (see \`sonde ls tools\`).`, ExitCode.NotFound);
  const params = parseParams(tool, values.param ?? []);

  const started = await client.createRun({ tool: tool.id, target, params });
  if (values.follow) {
    await attachTerminal(client, started.ttyPath, { input: process.stdin, output: process.stderr, readOnly: true });
  }
  const run = await client.awaitRun(started.id);
  if (values.json) process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
  else process.stdout.write(`${runCardLines(run).join('\n')}\n`);
  return runVerdict(run).ok ? ExitCode.Ok : ExitCode.Failed;
}

/** `k=v` strings typed by the tool's parameter specs: numbers and flags are JSON numbers and booleans. */
export function parseParams(tool: Pick<ToolInfo, 'id' | 'params'>, pairs: string[]): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usage(`sonde run: --param takes name=value, got "${pair}".`);
    const name = pair.slice(0, eq);
    const text = pair.slice(eq + 1);
    const spec = tool.params.find((p) => p.name === name);
    if (!spec) throw usage(`sonde run: ${tool.id} has no parameter "${name}" (it has: ${tool.params.map((p) => p.name).join(', ') || 'none'}).`);
    if (NUMERIC.has(spec.type)) {
      const value = Number(text);
      if (!Number.isInteger(value)) throw usage(`sonde run: ${name} must be a whole number, got "${text}".`);
      params[name] = value;
    } else if (spec.type === 'flag') {
      if (text !== 'true' && text !== 'false') throw usage(`sonde run: ${name} must be true or false, got "${text}".`);
      params[name] = text === 'true';
    } else {
      params[name] = text;
    }
  }
  return params;
}
