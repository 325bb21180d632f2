import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Which container the console runs in, if any, found without asking Docker and without trusting
 * labels (anyone who starts the console chooses those): the container id appears in the paths
 * Docker bind-mounts into every container (`/var/lib/docker/containers/<id>/hostname`,
 * `resolv.conf`, `hosts`), and in the cgroup path on cgroup v1 and some v2 setups. The host
 * name is Docker's short id by default, so it is kept as a fallback prefix.
 */
export interface ConsoleContainer {
  /** The full 64-character id, when a mount or cgroup path names it. */
  id?: string;
  /** A 12-character short id (the default host name of a container), when that is all there is. */
  shortId?: string;
}

const FULL_ID = /[0-9a-f]{64}/;

/** The container id in /proc/self/mountinfo lines, e.g. `/var/lib/docker/containers/<id>/resolv.conf`. */
export function idFromMountinfo(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const match = /\/containers\/([0-9a-f]{64})\/(?:hostname|resolv\.conf|hosts)\b/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

/** The container id in /proc/self/cgroup: `/docker/<id>`, `docker-<id>.scope`, `/kubepods/.../<id>`. */
export function idFromCgroup(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const path = line.split(':').slice(2).join(':');
    const match = /(?:docker[-/]|containerd[-/]|cri-containerd-|crio-|libpod-)([0-9a-f]{64})/.exec(path) ?? (/\/([0-9a-f]{64})(?:\.scope)?$/.exec(path));
    if (match && FULL_ID.test(match[1]!)) return match[1];
  }
  return undefined;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Looks once, at start; a process does not move between containers. */
export function detectConsoleContainer(files: { mountinfo: string; cgroup: string; hostname: string } = {
  mountinfo: read('/proc/self/mountinfo'),
  cgroup: read('/proc/self/cgroup'),
  hostname: hostname(),
}): ConsoleContainer {
  const id = idFromMountinfo(files.mountinfo) ?? idFromCgroup(files.cgroup);
  if (id) return { id };
  const name = files.hostname.trim().toLowerCase();
  // Only a container-like host name counts (a false match refuses one more target, never allows one).
  return /^[0-9a-f]{12}$/.test(name) ? { shortId: name } : {};
}

/** Whether `containerId` (a full id) is the console's own container. */
export function isConsoleContainer(self: ConsoleContainer, containerId: string): boolean {
  if (self.id) return containerId === self.id;
  return self.shortId !== undefined && containerId.startsWith(self.shortId);
}
