import { afterEach, describe, expect, it, vi } from 'vitest';
import { SondeApiError } from '@sonde/client';
import { deferred, type Deferred } from '../testing/deferred';
import { LiveResource, RETRY_FIRST_MS, RETRY_MAX_MS } from './live-resource';

/** A resource whose every fetch waits until the test answers it (`calls[i].resolve`). */
function heldResource<T>(): { resource: LiveResource<T>; calls: Deferred<T>[] } {
  const calls: Deferred<T>[] = [];
  const resource = new LiveResource(() => {
    const call = deferred<T>();
    calls.push(call);
    return call.promise;
  });
  return { resource, calls };
}

describe('LiveResource', () => {
  it('goes from loading to ready and notifies subscribers', async () => {
    const resource = new LiveResource(async () => [1, 2]);
    let notified = 0;
    resource.subscribe(() => notified++);
    expect(resource.getSnapshot()).toEqual({ status: 'loading' });
    await resource.refresh();
    expect(resource.getSnapshot()).toEqual({ status: 'ready', data: [1, 2], refreshError: null });
    expect(notified).toBe(1);
  });

  it('shows provisional data only while still loading; the fetch in flight replaces it without another', async () => {
    const { resource, calls } = heldResource<number[]>();
    void resource.refresh();
    resource.provisional([7]);
    expect(resource.getSnapshot()).toEqual({ status: 'ready', data: [7], refreshError: null });
    calls[0]?.resolve([7, 8, 9]);
    await new Promise((r) => setTimeout(r, 0));
    expect(resource.data).toEqual([7, 8, 9]);
    expect(calls).toHaveLength(1);
    // Too late: what was loaded stays.
    resource.provisional([7]);
    expect(resource.data).toEqual([7, 8, 9]);
  });

  it('coalesces refreshes requested during a fetch into one more fetch', async () => {
    const { resource, calls } = heldResource<number>();
    void resource.refresh();
    void resource.refresh();
    void resource.refresh();
    expect(calls).toHaveLength(1);
    calls[0]?.resolve(1);
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toHaveLength(2);
    calls[1]?.resolve(2);
    await new Promise((r) => setTimeout(r, 0));
    expect(resource.data).toBe(2);
  });

  it('keeps stale data when a refresh fails, and fails only without data', async () => {
    let fail = false;
    const resource = new LiveResource(async () => {
      if (fail) throw new SondeApiError(503, 'DOCKER_UNREACHABLE', 'Docker is unreachable');
      return 'v1';
    });
    await resource.refresh();
    fail = true;
    await resource.refresh();
    expect(resource.getSnapshot()).toMatchObject({ status: 'ready', data: 'v1', refreshError: { code: 'DOCKER_UNREACHABLE' } });

    const broken = new LiveResource<string>(async () => {
      throw new SondeApiError(503, 'DOCKER_UNREACHABLE', 'Docker is unreachable');
    });
    await broken.refresh();
    expect(broken.getSnapshot()).toMatchObject({ status: 'failed', error: { code: 'DOCKER_UNREACHABLE' } });
  });

  it('does not let a fetch that started before a local update overwrite it', async () => {
    const { resource, calls } = heldResource<string[]>();
    void resource.refresh();
    resource.update((list = []) => [...list, 'new-session']);
    calls[0]?.resolve([]);
    await new Promise((r) => setTimeout(r, 0));
    expect(resource.data).toEqual(['new-session']);
    expect(calls).toHaveLength(2);
    calls[1]?.resolve(['new-session']);
    await new Promise((r) => setTimeout(r, 0));
    expect(resource.data).toEqual(['new-session']);
  });

  describe('a fetch that never reached the server', () => {
    afterEach(() => {
      vi.useRealTimers();
    });
    const unreachable = () => new SondeApiError(0, 'NETWORK_ERROR', 'Cannot reach the Sonde server.');

    it('is tried again, each time later, until it is answered; then the waits start over', async () => {
      vi.useFakeTimers();
      let calls = 0;
      let reachable = false;
      const resource = new LiveResource(async () => {
        calls++;
        if (!reachable) throw unreachable();
        return calls;
      });
      await resource.refresh();
      expect(resource.getSnapshot()).toMatchObject({ status: 'failed', error: { code: 'NETWORK_ERROR' } });
      await vi.advanceTimersByTimeAsync(RETRY_FIRST_MS - 1);
      expect(calls).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls).toBe(2);
      // Then twice as long, and never longer than the cap.
      await vi.advanceTimersByTimeAsync(2 * RETRY_FIRST_MS);
      expect(calls).toBe(3);
      await vi.advanceTimersByTimeAsync(RETRY_MAX_MS * 4);
      const capped = calls;
      await vi.advanceTimersByTimeAsync(RETRY_MAX_MS);
      expect(calls).toBe(capped + 1);
      reachable = true;
      await vi.advanceTimersByTimeAsync(RETRY_MAX_MS);
      expect(resource.getSnapshot()).toMatchObject({ status: 'ready', refreshError: null });
      // Answered: no more retries.
      const answered = calls;
      await vi.advanceTimersByTimeAsync(RETRY_MAX_MS * 2);
      expect(calls).toBe(answered);
      // A later failure starts from the first wait again.
      reachable = false;
      await resource.refresh();
      expect(resource.getSnapshot()).toMatchObject({ status: 'ready', refreshError: { code: 'NETWORK_ERROR' } });
      await vi.advanceTimersByTimeAsync(RETRY_FIRST_MS);
      expect(calls).toBe(answered + 2);
      resource.dispose();
    });

    it("an error the server answered is not retried, and a disposed resource stops asking", async () => {
      vi.useFakeTimers();
      let calls = 0;
      const refused = new LiveResource(async () => {
        calls++;
        throw new SondeApiError(403, 'FORBIDDEN', 'Not for you.');
      });
      await refused.refresh();
      await vi.advanceTimersByTimeAsync(RETRY_MAX_MS * 2);
      expect(calls).toBe(1);
      let unreachableCalls = 0;
      const gone = new LiveResource(async () => {
        unreachableCalls++;
        throw unreachable();
      });
      await gone.refresh();
      gone.dispose();
      await vi.advanceTimersByTimeAsync(RETRY_MAX_MS * 2);
      expect(unreachableCalls).toBe(1);
    });
  });
});
