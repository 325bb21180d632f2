import { fork, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/**
 * An idle Node process that only measures how late its timers fire: on a busy machine, the
 * wake-up delay any extra process on a path (a relay) pays. The parent asks for the figures
 * since the last ask.
 */

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

export class LoopProbe {
  private constructor(private readonly child: ChildProcess) {}

  static start(): LoopProbe {
    return new LoopProbe(fork(fileURLToPath(import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  /** Figures since the previous call (ms), and starts a new interval. */
  read(): Promise<LoopDelay> {
    return new Promise((resolve) => {
      this.child.once('message', (m: LoopDelay) => resolve(m));
      this.child.send('read');
    });
  }

  stop(): void {
    this.child.kill();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  // The histogram's own 1 ms timer is the probe; subtract its period so "on time" reads 0.
  const late = (ns: number) => Math.max(0, ns / 1e6 - 1);
  process.on('message', () => {
    process.send!({ p50: late(histogram.percentile(50)), p99: late(histogram.percentile(99)), max: late(histogram.max) });
    histogram.reset();
  });
  setInterval(() => undefined, 60_000);
  // The benchmark is gone (ended without stopping this probe, or interrupted).
  process.once('disconnect', () => process.exit(0));
}
