import { describe, expect, it } from 'vitest';
import { SondeApiError } from '@sonde/client';
import { LiveResource } from './live-resource';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
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

  it('coalesces refreshes requested during a fetch into one more fetch', async () => {
    const calls: Array<ReturnType<typeof deferred<number>>> = [];
    const resource = new LiveResource(() => {
      const call = deferred<number>();
      calls.push(call);
      return call.promise;
    });
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
    const calls: Array<ReturnType<typeof deferred<string[]>>> = [];
    const resource = new LiveResource(() => {
      const call = deferred<string[]>();
      calls.push(call);
      return call.promise;
    });
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
});
