import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, captureArgv, checkCaptureRequest, type CreateCaptureRequest } from '@sonde/shared';
import type { Principal } from '../auth/principal.js';
import type { StreamingToolbox } from '../engine/types.js';
import { ApiError } from '../http/api-error.js';
import { LABELS, buildToolboxSpec, type ToolboxSettings } from '../toolboxes/toolbox-spec.js';
import { WorkloadRegistry, type TargetCheck, type WorkloadRegistryOptions } from '../toolboxes/workload-registry.js';
import { PacketCapture } from './packet-capture.js';

export interface CaptureRegistryOptions extends Pick<WorkloadRegistryOptions<PacketCapture>, 'engines' | 'admission' | 'isConsole' | 'log'> {
  toolbox: ToolboxSettings;
  /** Where pcap files live (`<SONDE_DATA_DIR>/captures`). */
  directory: string;
  maxCaptures: number;
  /** How long an ended capture and its file are kept. */
  retentionMs: number;
  /** Most ended captures (files) kept; the oldest goes first. */
  maxEndedFiles: number;
  unwatchedGraceMs: number;
  /** How long tcpdump may take to say it is listening. */
  readyTimeoutMs: number;
}

/** tcpdump only needs raw sockets and promiscuous mode, and drops to its own user. */
export const CAPTURE_CAPABILITIES = ['NET_RAW', 'NET_ADMIN', 'SETUID', 'SETGID'];

/**
 * Packet captures: what is specific to them is validation before Docker is touched, the pcap
 * file under the data directory (kept, bounded, after the capture ends), and waiting until
 * tcpdump listens; the rest is the workload registry's.
 */
export class CaptureRegistry extends WorkloadRegistry<PacketCapture> {
  constructor(private readonly settings: CaptureRegistryOptions) {
    super({
      kind: 'capture',
      engines: settings.engines,
      admission: settings.admission,
      ...(settings.isConsole ? { isConsole: settings.isConsole } : {}),
      maxLive: settings.maxCaptures,
      tooMany: (max) => new ApiError(429, ErrorCode.TooManyCaptures, `This console already has ${max} captures running; stop some first.`),
      endedRetentionMs: settings.retentionMs,
      maxEnded: settings.maxEndedFiles,
      // Bounded disk use: a forgotten capture's file goes with it.
      discard: (capture) => {
        capture.fileAvailable = false;
        void rm(capture.path, { force: true }).catch(() => undefined);
      },
      log: settings.log,
    });
    this.onStarted((capture) => settings.log.info({ capture: capture.id, target: capture.target, argv: capture.info().argv }, 'capture started'));
    this.onEnded((capture) => {
      const info = capture.info();
      settings.log.info({ capture: capture.id, packets: info.packets, bytes: info.bytes, reason: info.endReason }, 'capture ended');
    });
  }

  /** Removes pcap files a previous run of the console left behind once they are older than the retention. */
  async removeStaleFiles(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.settings.directory);
    } catch {
      return;
    }
    const cutoff = Date.now() - this.settings.retentionMs;
    for (const name of names.filter((n) => /^[a-f0-9]{32}\.pcap$/.test(n))) {
      const file = path.join(this.settings.directory, name);
      const info = await stat(file).catch(() => undefined);
      if (info && info.mtimeMs < cutoff) await rm(file, { force: true });
    }
  }

  /**
   * Starts a capture; answers only once tcpdump listens, so packets sent after that are in the
   * file. A filter or an interface tcpdump refuses is the client's mistake, reported like a
   * validation error; a capture that fails to start leaves nothing (no listing, no file).
   */
  async start(request: CreateCaptureRequest, principal: Principal, check: TargetCheck): Promise<PacketCapture> {
    const checked = checkCaptureRequest(request);
    if (!checked.ok) throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: ${checked.field} ${checked.reason}.`);
    const { toolbox, directory, unwatchedGraceMs, readyTimeoutMs } = this.settings;
    return this.create({
      principal,
      target: request.target,
      check,
      toolboxes: 1,
      start: async ({ id, target, engine, ended }) => {
        const argv = captureArgv(checked);
        await mkdir(directory, { recursive: true });
        const file = path.join(directory, `${id}.pcap`);
        const handle = await open(file, 'w', 0o600);
        let streaming: StreamingToolbox;
        try {
          streaming = await engine.startStreamingToolbox(buildToolboxSpec(id, target, toolbox, { entrypoint: argv, capabilities: CAPTURE_CAPABILITIES, labels: { [LABELS.capture]: id } }));
        } catch (error) {
          await handle.close().catch(() => undefined);
          await rm(file, { force: true });
          throw error;
        }
        const capture = new PacketCapture({
          id,
          owner: { id: principal.id, name: principal.name },
          target,
          interface: checked.interface,
          filter: checked.filter,
          limits: checked.limits,
          argv,
          image: toolbox.image,
          stopWhenUnwatched: request.stopWhenUnwatched ?? false,
          unwatchedGraceMs,
          toolbox: streaming,
          file: handle,
          path: file,
          removeContainer: (containerId) => engine.removeContainer(containerId),
          onEnded: ended,
        });
        if (await capture.whenListening(readyTimeoutMs)) return capture;
        const said = capture.failure();
        await capture.end('failed');
        await rm(file, { force: true });
        if (said && /syntax error|parse error|illegal|unknown (host|port|protocol|network)|expression rejects|can't parse filter|no vlan|invalid/i.test(said)) {
          throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: body.filter was refused by tcpdump: ${said}.`);
        }
        if (said && /no such device|doesn't exist|SIOCGIF|that device|not up/i.test(said)) {
          throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: body.interface does not exist in the target: ${said}.`);
        }
        throw new ApiError(502, ErrorCode.CaptureFailed, `tcpdump did not start${said ? `: ${said}` : ` within ${readyTimeoutMs / 1000} s`}.`);
      },
    });
  }
}
