/**
 * `sonde capture`: a packet capture on a target, written as a pcap to stdout (or -w FILE) while
 * it runs, until its packet count or time limit. Binary is never written to a terminal.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { SondeClient } from '../sonde-client.js';
import { writeCapture } from '../node/capture-stream.js';
import { ExitCode, usage } from './cli-error.js';
import { TARGET_HELP, TARGET_OPTIONS, targetFrom } from './target-options.js';

export const CAPTURE_HELP = `usage: sonde capture <container> | --network N | --host [-i IFACE] [-f FILTER] [-c COUNT] [--seconds S] [-w FILE]

Captures packets in the target's namespace and writes them as a pcap to standard output
(refused when it is a terminal) or FILE, while they arrive, until COUNT packets or S seconds:
  sonde capture web -i eth0 -f 'port 53' -c 100 > dns.pcap
  sonde capture web -c 20 | tshark -r -

  -i, --interface IFACE   interface in the target (default eth0; "any" for all)
  -f, --filter FILTER     a BPF filter (tcpdump syntax)
  -c, --count COUNT       stop after COUNT packets (default 10000)
  --seconds S             stop after S seconds (default 300)
  -w, --write FILE        write to FILE instead of standard output

${TARGET_HELP}`;

export async function captureCommand(connect: () => SondeClient, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      interface: { type: 'string', short: 'i' },
      filter: { type: 'string', short: 'f' },
      count: { type: 'string', short: 'c' },
      seconds: { type: 'string' },
      write: { type: 'string', short: 'w' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${CAPTURE_HELP}\n`);
    return ExitCode.Ok;
  }
  if (positionals.length > 1) throw usage('sonde capture: one target only (quote the filter: -f "port 53").');
  const target = targetFrom('capture', positionals[0], values);
  if (values.write === undefined && process.stdout.isTTY) {
    throw usage('sonde capture: standard output is a terminal; redirect it (> x.pcap), pipe it (| tshark -r -) or use -w FILE.');
  }
  const packets = whole('count', values.count);
  const seconds = whole('seconds', values.seconds);
  const client = connect();
  const capture = await client.createCapture({
    target,
    ...(values.interface === undefined ? {} : { interface: values.interface }),
    ...(values.filter === undefined ? {} : { filter: values.filter }),
    limits: { ...(packets === undefined ? {} : { packets }), ...(seconds === undefined ? {} : { seconds }) },
  });
  process.stderr.write(`capturing on ${values.interface ?? 'eth0'} (capture ${capture.id}); Ctrl-C stops it\n`);
  const output: Writable = values.write === undefined ? process.stdout : createWriteStream(values.write, { mode: 0o600 });
  const stop = () => {
    void client.stopCapture(capture.id).catch(() => undefined);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await writeCapture(client, capture.id, output);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  if (output !== process.stdout) await new Promise<void>((resolve) => output.end(resolve));
  const ended = await client.capture(capture.id);
  process.stderr.write(`${ended.packets} packets captured\n`);
  return ExitCode.Ok;
}

function whole(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw usage(`sonde capture: --${name} must be a positive whole number, got "${text}".`);
  return value;
}
