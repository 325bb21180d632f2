import { describe, expect, it } from 'vitest';
import { expiresIn, shareState } from './share-labels';

const now = Date.parse('2025-06-01T12:00:00.000Z');
const later = (seconds: number) => new Date(now + seconds * 1000).toISOString();

describe('share labels', () => {
  it('says how long a link has left', () => {
    expect(expiresIn(later(30), now)).toBe('in 30 s');
    expect(expiresIn(later(15 * 60), now)).toBe('in 15 min');
    expect(expiresIn(later(8 * 3600), now)).toBe('in 8 h');
    expect(expiresIn(later(90 * 60), now)).toBe('in 1 h 30 min');
    expect(expiresIn(later(7 * 86400), now)).toBe('in 7 days');
    expect(expiresIn(later(-1), now)).toBe('expired');
  });

  it('tells revoked from expired from active', () => {
    expect(shareState({ expiresAt: later(60) }, now)).toBe('active');
    expect(shareState({ expiresAt: later(0) }, now)).toBe('expired');
    expect(shareState({ expiresAt: later(60), revokedAt: later(-5) }, now)).toBe('revoked');
  });
});
