import { describe, expect, it } from 'vitest';
import { nextPreference, parsePreference, resolveScheme } from './color-scheme';

describe('color scheme', () => {
  it('follows the system unless a scheme was chosen', () => {
    expect(resolveScheme('system', true)).toBe('light');
    expect(resolveScheme('system', false)).toBe('dark');
    expect(resolveScheme('dark', true)).toBe('dark');
    expect(resolveScheme('light', false)).toBe('light');
  });

  it('reads only known stored values', () => {
    expect(parsePreference('light')).toBe('light');
    expect(parsePreference('dark')).toBe('dark');
    expect(parsePreference('purple')).toBe('system');
    expect(parsePreference(null)).toBe('system');
  });

  it('cycles system -> the other scheme -> this scheme -> system', () => {
    expect(nextPreference('system', false)).toBe('light');
    expect(nextPreference('light', false)).toBe('dark');
    expect(nextPreference('dark', false)).toBe('system');
    expect(nextPreference('system', true)).toBe('dark');
    expect(nextPreference('dark', true)).toBe('light');
  });
});
