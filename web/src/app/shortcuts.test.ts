import { describe, expect, it } from 'vitest';
import { shortcutFor } from './shortcuts';

const key = (k: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey', boolean>> = {}) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...mods });

describe('shortcutFor', () => {
  it('maps the single keys', () => {
    expect(shortcutFor(key('/'))).toBe('filter');
    expect(shortcutFor(key('n'))).toBe('new-shell');
    expect(shortcutFor(key(']'))).toBe('next-tab');
    expect(shortcutFor(key('['))).toBe('previous-tab');
    expect(shortcutFor(key('w'))).toBe('close-tab');
    expect(shortcutFor(key('?'))).toBe('help');
  });

  it('leaves chords and other keys to the browser', () => {
    expect(shortcutFor(key('n', { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(key('w', { metaKey: true }))).toBeNull();
    expect(shortcutFor(key('[', { altKey: true }))).toBeNull();
    expect(shortcutFor(key('N'))).toBeNull();
    expect(shortcutFor(key('x'))).toBeNull();
  });
});
