import { randomBytes } from 'node:crypto';
import { CreatedApiToken, type ResolvedTarget, type SessionInfo, type TargetRequest } from '@sonde/shared';
import { Value } from 'typebox/value';
import { apiClient, type Caller } from '../test/support/api-client.js';
import { oneShotFetch } from '../test/support/one-shot-fetch.js';
import type { SondeProcess } from '../test/support/sonde-process.js';
import { buildToolboxSpec } from '../src/toolboxes/toolbox-spec.js';
import type { ToolboxSpec } from '../src/engine/types.js';
import { RawPipe, SondePipe, firstData, type AckMode, type TerminalPipe } from './pipes.js';
import { startRawToolbox, type RawShell, type RawToolbox } from './raw-toolbox.js';
import { nowMs } from './stats.js';

export const TOOLBOX_IMAGE = process.env.SONDE_TOOLBOX_IMAGE || 'sonde-toolbox:latest';
export const TARGET_IMAGE = process.env.SONDE_TEST_TARGET_IMAGE || 'sonde-test-target:latest';

/** One attach mode, as the API asks for it and as the server resolves it. */
export interface AttachMode {
  label: string;
  request: TargetRequest;
  resolved: ResolvedTarget;
}

/** What every scenario gets: the server under test and the target it attaches to. */
export class BenchContext {
  constructor(
    readonly sonde: SondeProcess,
    readonly target: { id: string; name: string },
    readonly network: { id: string; name: string },
    /** A second principal (an operator token): its sessions never share the first one's toolboxes. */
    readonly other: Caller,
  ) {}

  /** A second user on `sonde`: an operator API token, as an API client and a bearer header. */
  static async operatorCaller(sonde: SondeProcess, name: string): Promise<Caller> {
    const token = await BenchContext.createOperatorToken(sonde, name);
    return { auth: { authorization: `Bearer ${token}` }, client: apiClient(sonde.baseUrl, { token }, oneShotFetch()) };
  }

  /** An operator API token on `sonde`, as a second user: its bearer header. */
  static async operatorToken(sonde: SondeProcess, name: string): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await BenchContext.createOperatorToken(sonde, name)}` };
  }

  private static async createOperatorToken(sonde: SondeProcess, name: string): Promise<string> {
    const response = await fetch(`${sonde.baseUrl}/api/tokens`, {
      method: 'POST',
      headers: { ...sonde.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name, role: 'operator' }),
    });
    const body: unknown = await response.json();
    if (response.status !== 201 || !Value.Check(CreatedApiToken, body)) throw new Error(`POST /api/tokens: ${response.status} ${JSON.stringify(body)}`);
    return body.token;
  }

  get modes(): AttachMode[] {
    const container = { kind: 'container' as const, engine: 'local', containerId: this.target.id, containerName: this.target.name };
    return [
      { label: 'container (net)', request: { kind: 'container', container: this.target.name }, resolved: { ...container, sharePid: false } },
      { label: 'container (net+pid)', request: { kind: 'container', container: this.target.name, sharePid: true }, resolved: { ...container, sharePid: true } },
      { label: 'network', request: { kind: 'network', network: this.network.name }, resolved: { kind: 'network', engine: 'local', networkId: this.network.id, networkName: this.network.name } },
      { label: 'host', request: { kind: 'host', engine: 'local' }, resolved: { kind: 'host', engine: 'local' } },
    ];
  }

  /** The spec Sonde would build for this target (same image, namespaces and limits as its defaults). */
  spec(target: ResolvedTarget): ToolboxSpec {
    return buildToolboxSpec(randomBytes(16).toString('hex'), target, {
      image: TOOLBOX_IMAGE,
      instance: 'bench',
      limits: { memoryBytes: 512 * 1024 * 1024, pids: 512, nanoCpus: 1_000_000_000 },
    });
  }

  /**
   * A Sonde session with a connected client; resolves once its first output (the prompt) arrived.
   * `as`: whose session it is (default the bootstrap admin of `sonde`), created and attached with its credentials.
   */
  async openSonde(label: string, request: TargetRequest, mode: AckMode = { kind: 'immediate' }, sonde = this.sonde, as: Caller = sonde): Promise<{ info: SessionInfo; pipe: SondePipe; postMs: number; firstByteMs: number }> {
    const t0 = nowMs();
    const info = await as.client.createSession(request);
    const postMs = nowMs() - t0;
    const pipe = await SondePipe.connect(label, `${sonde.wsUrl}${info.ttyPath}`, as.auth, mode);
    await firstData(pipe);
    return { info, pipe, postMs, firstByteMs: nowMs() - t0 };
  }

  async closeSonde(session: { info: SessionInfo; pipe: TerminalPipe }, sonde = this.sonde, as: Caller = sonde): Promise<number> {
    const t0 = nowMs();
    await as.client.endSession(session.info.id);
    const ms = nowMs() - t0;
    await session.pipe.close();
    return ms;
  }

  /**
   * The raw baseline, resolving at the first output byte: dockerode create + attach + start
   * (`attach`, what `docker run -it` does), or an idling container and a TTY exec in it (`exec`,
   * the stream Sonde's shells are read from; see raw-toolbox.ts).
   */
  async openRaw(label: string, target: ResolvedTarget, shell: RawShell = 'attach'): Promise<{ raw: RawToolbox; pipe: RawPipe; firstByteMs: number }> {
    const t0 = nowMs();
    const raw = await startRawToolbox(this.spec(target), shell);
    const pipe = new RawPipe(label, raw.stream);
    await firstData(pipe);
    return { raw, pipe, firstByteMs: nowMs() - t0 };
  }
}
