import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  ErrorCode,
  captureArgv,
  checkCaptureRequest,
  type CreateCaptureRequest,
} from '@sonde/shared';
import type { ContainerEngine, EngineEvent, StreamingToolbox } from '../engine/types.js';
import { ApiError } from '../http/api-error.js';
import { resolveTarget } from '../sessions/target-resolver.js';
import { targetInventory, type TargetCheck } from '../sessions/session-registry.js';
import type { Principal } from '../auth/principal.js';
import type { PolicyContext } from '../policy/target-policy.js';
import type { Admission, WorkloadAdmission } from '../toolboxes/workload-admission.js';
import { LABELS, buildToolboxSpec, type ToolboxSettings } from '../sessions/toolbox-spec.js';
import { PacketCapture } from './packet-capture.js';

export interface CaptureRegistryOptions {
  engine: ContainerEngine;
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
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  admission: WorkloadAdmission;
  isConsole?: (containerId: string) => boolean;
}

/** tcpdump only needs raw sockets and promiscuous mode, and drops to its own user. */
export const CAPTURE_CAPABILITIES = ['NET_RAW', 'NET_ADMIN', 'SETUID', 'SETGID'];

/**
 * Every packet capture of this console: validation before Docker is touched, the toolbox,
 * the file under the data directory, and bounded retention of finished files.
 */
export class CaptureRegistry {
  private readonly live = new Map<string, PacketCapture>();
  private readonly ended = new Map<string, { capture: PacketCapture; timer: NodeJS.Timeout }>();
  private readonly creating = new Set<Promise<unknown>>();
  private accepting = true;
  private readonly admissions = new Map<string, Admission>();

  constructor(private readonly options: CaptureRegistryOptions) {}

  /** Removes pcap files a previous run of the console left behind once they are older than the retention. */
  async removeStaleFiles(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.options.directory);
    } catch {
      return;
    }
    const cutoff = Date.now() - this.options.retentionMs;
    for (const name of names.filter((n) => /^[a-f0-9]{32}\.pcap$/.test(n))) {
      const file = path.join(this.options.directory, name);
      const info = await stat(file).catch(() => undefined);
      if (info && info.mtimeMs < cutoff) await rm(file, { force: true });
    }
  }

  list(): PacketCapture[] {
    return [...this.live.values(), ...[...this.ended.values()].map((e) => e.capture)];
  }

  get(id: string): PacketCapture | undefined {
    return this.live.get(id) ?? this.ended.get(id)?.capture;
  }

  async create(request: CreateCaptureRequest, principal: Principal, check: TargetCheck): Promise<PacketCapture> {
    if (!this.accepting) throw shuttingDown();
    const checked = checkCaptureRequest(request);
    if (!checked.ok) throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: ${checked.field} ${checked.reason}.`);
    if (this.live.size + this.creating.size >= this.options.maxCaptures) {
      throw new ApiError(429, ErrorCode.TooManyCaptures, `This console already has ${this.options.maxCaptures} captures running; stop some first.`);
    }
    const admission = this.options.admission.admit(principal, 'capture', 1);
    const work = this.start(request, checked, principal, check, admission);
    this.creating.add(work);
    try {
      return await work;
    } catch (error) {
      admission.release();
      throw error;
    } finally {
      this.creating.delete(work);
    }
  }

  private async start(
    request: CreateCaptureRequest,
    checked: Extract<ReturnType<typeof checkCaptureRequest>, { ok: true }>,
    principal: Principal,
    check: TargetCheck,
    admission: Admission,
  ): Promise<PacketCapture> {
    const { engine } = this.options;
    const owner = { id: principal.id, name: principal.name };
    const inventory = await targetInventory(engine, [request.target.kind]);
    const context: PolicyContext = { ...inventory, ...(this.options.isConsole ? { isConsole: this.options.isConsole } : {}) };
    const target = resolveTarget(request.target, context);
    check(target, context);
    const id = randomBytes(16).toString('hex');
    const argv = captureArgv(checked);
    await mkdir(this.options.directory, { recursive: true });
    const file = path.join(this.options.directory, `${id}.pcap`);
    const handle = await open(file, 'w', 0o600);
    let toolbox: StreamingToolbox;
    try {
      toolbox = await engine.startStreamingToolbox(
        buildToolboxSpec(id, target, this.options.toolbox, {
          entrypoint: argv,
          capabilities: CAPTURE_CAPABILITIES,
          labels: { [LABELS.capture]: id },
        }),
      );
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(file, { force: true });
      throw error;
    }
    const capture = new PacketCapture({
      id,
      owner,
      target,
      interface: checked.interface,
      filter: checked.filter,
      limits: checked.limits,
      argv,
      image: this.options.toolbox.image,
      stopWhenUnwatched: request.stopWhenUnwatched ?? false,
      unwatchedGraceMs: this.options.unwatchedGraceMs,
      toolbox,
      file: handle,
      path: file,
      removeContainer: (containerId) => engine.removeContainer(containerId),
      onEnded: (c) => this.retire(c),
    });
    this.live.set(id, capture);
    this.admissions.set(id, admission);
    // Answer only once tcpdump listens: packets sent after 201 are in the file. A filter or an
    // interface tcpdump refuses is the client's mistake, reported like a validation error.
    if (!(await capture.whenListening(this.options.readyTimeoutMs))) {
      const said = capture.failure();
      await capture.end('failed');
      this.forget(capture);
      if (said && /syntax error|parse error|illegal|unknown (host|port|protocol|network)|expression rejects|can't parse filter|no vlan|invalid/i.test(said)) {
        throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: body.filter was refused by tcpdump: ${said}.`);
      }
      if (said && /no such device|doesn't exist|SIOCGIF|that device|not up/i.test(said)) {
        throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: body.interface does not exist in the target: ${said}.`);
      }
      throw new ApiError(502, ErrorCode.CaptureFailed, `tcpdump did not start${said ? `: ${said}` : ` within ${this.options.readyTimeoutMs / 1000} s`}.`);
    }
    if (!this.accepting) {
      await capture.end('shutdown');
      throw shuttingDown();
    }
    admission.hold({
      kind: 'capture',
      id,
      owner,
      target,
      revoke: (reason, detail) => {
        this.options.log.info({ capture: id, reason, detail }, 'capture revoked');
        void capture.end(reason);
      },
    });
    this.options.log.info({ capture: id, target, argv }, 'capture started');
    return capture;
  }

  private retire(capture: PacketCapture): void {
    if (!this.live.delete(capture.id)) return;
    this.admissions.get(capture.id)?.release();
    this.admissions.delete(capture.id);
    const info = capture.info();
    this.options.log.info({ capture: capture.id, packets: info.packets, bytes: info.bytes, reason: info.endReason }, 'capture ended');
    const timer = setTimeout(() => void this.discard(capture.id), this.options.retentionMs);
    timer.unref();
    this.ended.set(capture.id, { capture, timer });
    // Bounded disk use: beyond the most recent maxEndedFiles, the oldest files go.
    while (this.ended.size > this.options.maxEndedFiles) {
      const oldest = this.ended.keys().next().value as string;
      void this.discard(oldest);
    }
  }

  /** A capture that failed to start leaves nothing: no listing, no file. */
  private forget(capture: PacketCapture): void {
    void this.discard(capture.id);
  }

  private async discard(id: string): Promise<void> {
    const entry = this.ended.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.ended.delete(id);
    entry.capture.fileAvailable = false;
    await rm(entry.capture.path, { force: true }).catch(() => undefined);
  }

  /** Stops a capture; resolves once its toolbox is removed and the file complete. False when unknown. */
  async stop(id: string): Promise<boolean> {
    const capture = this.live.get(id);
    if (!capture) return this.ended.has(id);
    await capture.end('stopped');
    return true;
  }

  handleEngineEvent(event: EngineEvent): void {
    if (event.kind !== 'container' || !['die', 'stop', 'destroy'].includes(event.action)) return;
    for (const capture of this.live.values()) {
      if (capture.dependsOn(event.id)) void capture.end('target-stopped');
    }
  }

  engineLost(): void {
    for (const capture of this.live.values()) void capture.end('engine-lost');
  }

  /** Refuses new captures and ends every live one (files are complete and kept until the retention). */
  async shutdown(): Promise<void> {
    this.accepting = false;
    await Promise.allSettled([...this.creating]);
    await Promise.allSettled([...this.live.values()].map((c) => c.end('shutdown')));
    for (const { timer } of this.ended.values()) clearTimeout(timer);
  }
}

function shuttingDown(): ApiError {
  return new ApiError(503, ErrorCode.ShuttingDown, 'Sonde is shutting down and accepts no new captures.');
}
