/**
 * What Docker's pull stream means to a person: its per-layer messages tallied into one percent,
 * and its failures put in a sentence that says why (the registry has no such image, its name
 * does not resolve, it wants a login …) with Docker's own words kept. Pure: the Docker engine
 * and the fake one feed it the same messages.
 */

/** One message of Docker's pull stream (POST /images/create), as docker-modem's followProgress parses it. */
export interface PullMessage {
  status?: string;
  /** A layer's short id (or the tag, on the first line). */
  id?: string;
  progressDetail?: { current?: number; total?: number };
  /** A failure in the middle of the stream: the HTTP status was 200 already. */
  error?: string;
  errorDetail?: { message?: string };
}

interface Layer {
  /** Its compressed size, once a Downloading or Extracting message said it. */
  bytes: number | undefined;
  /** 0-1: half for downloading, half for extracting. */
  done: number;
}

/**
 * Tallies a pull's layers into one percent. Each layer to fetch counts by its size once Docker
 * says it (layers not started yet count as the average known size; layers already there not at
 * all), half for the download and half for the extraction, since both take time. The percent never goes back (a layer whose size becomes
 * known can lower the raw figure) and stays below 100 until the pull ends.
 */
export class PullProgressTally {
  private readonly layers = new Map<string, Layer>();
  private shown = 0;

  /** Feeds one message; returns the percent now. */
  add(message: PullMessage): number {
    const id = message.id;
    const status = message.status ?? '';
    // The first line's id is the tag ("Pulling from x", id "latest"); only layer lines move the tally.
    if (!id || /^Pulling from /.test(status) || /^(Digest|Status):/.test(status)) return this.shown;
    // A layer the engine has already costs nothing: the percent is of the work there is to do.
    if (status === 'Already exists') return this.shown;
    const layer = this.layers.get(id) ?? { bytes: undefined, done: 0 };
    this.layers.set(id, layer);
    const { current, total } = message.progressDetail ?? {};
    const fraction = total && total > 0 && current !== undefined ? Math.min(1, current / total) : undefined;
    if (total && total > 0) layer.bytes = total;
    if (status === 'Downloading' && fraction !== undefined) layer.done = Math.max(layer.done, fraction / 2);
    else if (status === 'Verifying Checksum' || status === 'Download complete') layer.done = Math.max(layer.done, 0.5);
    else if (status === 'Extracting' && fraction !== undefined) layer.done = Math.max(layer.done, 0.5 + fraction / 2);
    else if (status === 'Pull complete') layer.done = 1;
    this.shown = Math.max(this.shown, Math.min(99, Math.floor(this.raw() * 100)));
    return this.shown;
  }

  get percent(): number {
    return this.shown;
  }

  private raw(): number {
    const layers = [...this.layers.values()];
    if (layers.length === 0) return 0;
    const known = layers.filter((l) => l.bytes !== undefined).map((l) => l.bytes!);
    const average = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 1;
    let weight = 0;
    let done = 0;
    for (const l of layers) {
      const w = l.bytes ?? average;
      weight += w;
      done += w * l.done;
    }
    return weight > 0 ? done / weight : 0;
  }
}

/** Docker's words for what went wrong, mapped to what that means for the person reading it. */
const REASONS: readonly [RegExp, string][] = [
  [/pull access denied|requested access to the resource is denied|repository does not exist/i, 'the registry has no such repository, or it needs a login this engine does not have (docker login on the engine\'s host)'],
  [/manifest unknown|manifest for .* not found|not found: manifest/i, 'the registry has the repository but not this tag'],
  [/no matching manifest|no match for platform/i, 'the image has no variant for this engine\'s platform'],
  [/unauthorized|authentication required|no basic auth credentials/i, 'the registry wants credentials this engine does not have (docker login on the engine\'s host)'],
  [/toomanyrequests|rate limit/i, 'the registry\'s pull rate limit was reached; wait, or log the engine in (docker login)'],
  [/no such host|server misbehaving|name resolution|lookup \S+ on /i, 'the registry\'s name does not resolve from the engine\'s host (DNS, or no internet access there)'],
  [/connection refused/i, 'nothing answers at the registry\'s address (connection refused)'],
  [/network is unreachable|no route to host/i, 'the engine\'s host has no route to the registry'],
  [/i\/o timeout|timeout|deadline exceeded/i, 'the registry did not answer in time'],
  [/server gave HTTP response to HTTPS client/i, 'the registry speaks plain HTTP; add it to the engine\'s insecure-registries'],
  [/x509|certificate/i, 'the engine does not trust the registry\'s certificate'],
  [/no space left on device/i, 'the engine\'s disk is full'],
  [/invalid reference format/i, 'the image reference is not valid (SONDE_TOOLBOX_IMAGE)'],
];

/** Why a pull of `ref` failed, as a sentence naming the reason and quoting Docker. */
export function pullFailure(ref: string, detail: string): string {
  const words = detail.trim().replace(/\s+/g, ' ');
  const reason = REASONS.find(([pattern]) => pattern.test(words))?.[1];
  return reason ? `Docker could not pull ${ref}: ${reason} (Docker said: ${words.replace(/[.\s]+$/, '')}).` : `Docker could not pull ${ref}: ${words.replace(/[.\s]+$/, '')}.`;
}

/** Docker's message in an error from docker-modem: "(HTTP code 404) unexpected - manifest … " → "manifest …". */
export function dockerDetail(error: { json?: { message?: string } | null; message?: string; reason?: string }): string {
  if (error.json?.message) return error.json.message;
  const quoted = /^\(HTTP code \d+\)[^-]*- (.*)$/s.exec(error.message ?? '')?.[1]?.trim();
  return quoted || error.reason || error.message || 'no reason given';
}
