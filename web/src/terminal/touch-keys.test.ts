import { describe, expect, it } from 'vitest';
import { touchKeyBytes, withControl } from './touch-keys';

describe('touchKeyBytes', () => {
  it('sends what a keyboard sends', () => {
    expect(touchKeyBytes('esc', false)).toBe('\u001b');
    expect(touchKeyBytes('tab', false)).toBe('\t');
    expect(touchKeyBytes('ctrl-c', false)).toBe('\u0003');
  });

  it('encodes arrows as CSI normally and SS3 in application cursor mode', () => {
    expect(touchKeyBytes('up', false)).toBe('\u001b[A');
    expect(touchKeyBytes('left', false)).toBe('\u001b[D');
    expect(touchKeyBytes('down', true)).toBe('\u001bOB');
    expect(touchKeyBytes('right', true)).toBe('\u001bOC');
  });
});

describe('withControl', () => {
  it('turns letters of either case into control codes', () => {
    expect(withControl('c')).toBe('\u0003');
    expect(withControl('C')).toBe('\u0003');
    expect(withControl('a')).toBe('\u0001');
    expect(withControl('[')).toBe('\u001b');
    expect(withControl('?')).toBe('\u007f');
  });

  it('leaves what has no control form alone', () => {
    expect(withControl('1')).toBe('1');
    expect(withControl('ab')).toBe('ab');
    expect(withControl('\u001b[A')).toBe('\u001b[A');
  });
});
