import { describe, expect, it } from 'vitest';
import { dockerDetail, pullFailure, PullProgressTally, type PullMessage } from './pull-progress.js';

describe('PullProgressTally', () => {
  const feed = (messages: PullMessage[]) => {
    const tally = new PullProgressTally();
    return messages.map((m) => tally.add(m));
  };

  it('tallies a real pull stream (as Docker 20.10 sent it for a two-layer image, one layer already there)', () => {
    // Recorded from `docker pull` of an image in a local registry (the integration test's kind).
    expect(
      feed([
        { status: 'Pulling from image-pull-exp/fat', id: '1' },
        { status: 'Already exists', progressDetail: {}, id: '40af01eb8dcf' },
        { status: 'Pulling fs layer', progressDetail: {}, id: 'b4b33ce412de' },
        { status: 'Downloading', progressDetail: { current: 36445, total: 3001126 }, id: 'b4b33ce412de' },
        { status: 'Verifying Checksum', progressDetail: {}, id: 'b4b33ce412de' },
        { status: 'Download complete', progressDetail: {}, id: 'b4b33ce412de' },
        { status: 'Extracting', progressDetail: { current: 32768, total: 3001126 }, id: 'b4b33ce412de' },
        { status: 'Extracting', progressDetail: { current: 3001126, total: 3001126 }, id: 'b4b33ce412de' },
        { status: 'Pull complete', progressDetail: {}, id: 'b4b33ce412de' },
        { status: 'Digest: sha256:431d5282c27b723f7e69f53e3b646f382bcea2998e3b6a57c250d21f53dfe9fb' },
        { status: 'Status: Downloaded newer image for 127.0.0.1:15123/image-pull-exp/fat:1' },
      ]),
    ).toEqual([0, 0, 0, 0, 50, 50, 50, 99, 99, 99, 99]);
  });

  it('weighs layers by size, counts unsized ones as the average, and never goes back', () => {
    const tally = new PullProgressTally();
    tally.add({ id: 'small', status: 'Pulling fs layer' });
    tally.add({ id: 'big', status: 'Pulling fs layer' });
    // Only the small one's size is known: the big one counts as that size until it says its own.
    expect(tally.add({ id: 'small', status: 'Downloading', progressDetail: { current: 10, total: 10 } })).toBe(25);
    // Now the big one is 990 bytes: the raw figure drops to 1%, the shown one stays.
    expect(tally.add({ id: 'big', status: 'Downloading', progressDetail: { current: 0, total: 990 } })).toBe(25);
    expect(tally.add({ id: 'big', status: 'Downloading', progressDetail: { current: 990, total: 990 } })).toBe(50);
    expect(tally.add({ id: 'big', status: 'Extracting', progressDetail: { current: 495, total: 990 } })).toBe(74);
    expect(tally.add({ id: 'big', status: 'Pull complete' })).toBe(99);
    expect(tally.add({ id: 'small', status: 'Pull complete' })).toBe(99);
    expect(tally.percent).toBe(99);
  });

  it('ignores lines without a layer, and layers the engine has already', () => {
    expect(feed([{ status: 'Pulling from library/x', id: 'latest' }, { status: 'Waiting', id: 'a' }, { status: 'Already exists', id: 'b' }, { status: 'Digest: sha256:00' }])).toEqual([0, 0, 0, 0]);
  });
});

describe('pullFailure', () => {
  it.each([
    ['manifest for 127.0.0.1:5000/x:nope not found: manifest unknown: manifest unknown', 'the registry has the repository but not this tag'],
    ["pull access denied for nicolaka/netshot, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", 'the registry has no such repository, or it needs a login'],
    ['Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.2:53: no such host', "the registry's name does not resolve from the engine's host"],
    ['Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused', "nothing answers at the registry's address (connection refused)"],
    ['Get "https://registry-1.docker.io/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)', 'the registry did not answer in time'],
    ['toomanyrequests: You have reached your pull rate limit.', "the registry's pull rate limit was reached"],
    ['Get "https://r.example:5000/v2/": http: server gave HTTP response to HTTPS client', 'the registry speaks plain HTTP'],
    ['Get "https://r.example/v2/": x509: certificate signed by unknown authority', "the engine does not trust the registry's certificate"],
    ['unauthorized: authentication required', 'the registry wants credentials'],
    ['write /var/lib/docker/tmp/x: no space left on device', "the engine's disk is full"],
  ])('%s', (docker, reason) => {
    const sentence = pullFailure('r/x:1', docker);
    expect(sentence.startsWith(`Docker could not pull r/x:1: ${reason}`)).toBe(true);
    expect(sentence).toContain(`(Docker said: ${docker.replace(/\.$/, '')})`);
    expect(sentence.endsWith('.')).toBe(true);
  });

  it('quotes Docker alone when it says something unknown', () => {
    expect(pullFailure('r/x:1', 'something new.')).toBe('Docker could not pull r/x:1: something new.');
  });
});

describe('dockerDetail', () => {
  it("takes Docker's words out of docker-modem's message", () => {
    expect(dockerDetail({ message: '(HTTP code 404) unexpected - manifest for x:1 not found: manifest unknown: manifest unknown ' })).toBe('manifest for x:1 not found: manifest unknown: manifest unknown');
    expect(dockerDetail({ message: '(HTTP code 500) server error - Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused ', reason: 'server error' })).toBe('Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused');
    expect(dockerDetail({ json: { message: 'from json' }, message: 'x' })).toBe('from json');
    expect(dockerDetail({ message: 'socket hang up' })).toBe('socket hang up');
  });
});
