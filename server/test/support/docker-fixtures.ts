import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';

const run = promisify(execFile);

export const TARGET_IMAGE = process.env.SONDE_TEST_TARGET_IMAGE || 'sonde-test-target:latest';
export const TOOLBOX_IMAGE = process.env.SONDE_TOOLBOX_IMAGE || 'sonde-toolbox:latest';
/** Everything a test creates carries this label, so a crashed run can be cleaned up by label. */
export const TEST_LABEL = 'sonde.test=true';

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Test-owned containers and networks, removed by `dispose()`. */
export class DockerFixtures {
  private containers: string[] = [];
  private networks: string[] = [];

  async network(name = uniqueName('sonde-test-net')): Promise<string> {
    await docker('network', 'create', '--label', TEST_LABEL, name);
    this.networks.push(name);
    return name;
  }

  /** A running busybox target (httpd on :80 by default). */
  async container(options: { name?: string; network?: string; alias?: string; labels?: string[]; command?: string[] } = {}): Promise<{ id: string; name: string }> {
    const name = options.name ?? uniqueName('sonde-test-target');
    const args = ['run', '-d', '--name', name, '--label', TEST_LABEL];
    for (const l of options.labels ?? []) args.push('--label', l);
    if (options.network) args.push('--network', options.network);
    if (options.alias) args.push('--network-alias', options.alias);
    args.push(TARGET_IMAGE, ...(options.command ?? []));
    const id = await docker(...args);
    this.containers.push(id);
    return { id, name };
  }

  async ipv4(container: string, network?: string): Promise<string> {
    const format = network ? `{{(index .NetworkSettings.Networks "${network}").IPAddress}}` : '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}';
    return (await docker('inspect', '-f', format, container)).trim().split(' ')[0]!;
  }

  async dispose(): Promise<void> {
    if (this.containers.length) await docker('rm', '-f', ...this.containers).catch(() => undefined);
    for (const n of this.networks) await docker('network', 'rm', n).catch(() => undefined);
    this.containers = [];
    this.networks = [];
  }
}

/** Ids of containers (running or not) carrying every given label. */
export async function containersWithLabels(...labels: string[]): Promise<string[]> {
  const args = ['ps', '-aq', '--no-trunc'];
  for (const l of labels) args.push('--filter', `label=${l}`);
  const out = await docker(...args);
  return out ? out.split('\n') : [];
}

/** Polls until no container carries all of `labels`; throws with what is left after `timeoutMs`. */
export async function waitForNoContainers(labels: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await containersWithLabels(...labels);
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`containers still present after ${timeoutMs} ms: ${left.join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Breaks a fixture from outside: runs `argv` in `target`'s network namespace from a throwaway
 * toolbox with NET_ADMIN only (named `<prefix>-helper-…`), e.g. an iptables rule or a route change.
 */
export async function inNamespace(prefix: string, target: string, ...argv: string[]): Promise<void> {
  await docker('run', '--rm', '--name', uniqueName(`${prefix}-helper`), '--label', TEST_LABEL, '--net', `container:${target}`, '--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN', '--entrypoint', argv[0]!, TOOLBOX_IMAGE, ...argv.slice(1));
}
