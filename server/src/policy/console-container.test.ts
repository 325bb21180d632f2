import { describe, expect, it } from 'vitest';
import { detectConsoleContainer, idFromCgroup, idFromMountinfo, isConsoleContainer } from './console-container.js';

const ID = '3f4e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a09f8e7d6c5b4a39281706';

describe('the console finds its own container by id', () => {
  it('reads the id from the files Docker mounts into every container', () => {
    const mountinfo = [
      '612 590 0:52 / / rw,relatime master:291 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/X',
      `650 612 254:1 /var/lib/docker/containers/${ID}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw`,
      `651 612 254:1 /var/lib/docker/containers/${ID}/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw`,
    ].join('\n');
    expect(idFromMountinfo(mountinfo)).toBe(ID);
    expect(idFromMountinfo('612 590 0:52 / / rw - ext4 /dev/vda rw')).toBeUndefined();
  });

  it('reads the id from cgroup v1 and v2 paths', () => {
    expect(idFromCgroup(`12:pids:/docker/${ID}\n11:memory:/docker/${ID}`)).toBe(ID);
    expect(idFromCgroup(`0::/system.slice/docker-${ID}.scope`)).toBe(ID);
    expect(idFromCgroup('0::/')).toBeUndefined();
    expect(idFromCgroup('0::/user.slice/user-0.slice/session-1.scope')).toBeUndefined();
  });

  it('falls back to a short-id host name, and matches ids only', () => {
    const inside = detectConsoleContainer({ mountinfo: '', cgroup: '0::/', hostname: ID.slice(0, 12) });
    expect(inside).toEqual({ shortId: ID.slice(0, 12) });
    expect(isConsoleContainer(inside, ID)).toBe(true);
    expect(isConsoleContainer(inside, 'a'.repeat(64))).toBe(false);
    const full = detectConsoleContainer({ mountinfo: `1 2 3:4 /var/lib/docker/containers/${ID}/hosts /etc/hosts rw - ext4 x rw`, cgroup: '', hostname: 'box' });
    expect(full).toEqual({ id: ID });
    expect(isConsoleContainer(full, ID)).toBe(true);
    expect(isConsoleContainer(detectConsoleContainer({ mountinfo: '', cgroup: '', hostname: 'ci-runner-7' }), ID)).toBe(false);
  });
});
