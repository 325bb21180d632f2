import { describe, expect, it } from 'vitest';
import { pasteText } from './paste-policy';

describe('pasteText', () => {
  it('cannot close the bracket in bracketed paste mode', () => {
    const pasted = pasteText('echo hi\x1b[201~touch /tmp/pwned\r', true);
    expect(pasted).not.toContain('\x1b');
    expect(pasted).toBe('echo hi[201~touch /tmp/pwned\r');
  });

  it('removes C0, DEL and C1 controls but keeps tabs and line breaks', () => {
    expect(pasteText('a\tb\r\nc\x00\x03\x04\x7f\x9b31m\u009d0;x\x07', true)).toBe('a\tb\r\nc31m0;x');
  });

  it('keeps ordinary text, including non-Latin characters, unchanged', () => {
    const text = 'curl -s "http://web:80/?q=ü&x=1" | jq .   # 日本語 😀';
    expect(pasteText(text, true)).toBe(text);
  });

  it('passes the paste through untouched when the program did not ask for bracketed paste', () => {
    expect(pasteText('a\x1b[201~b\r', false)).toBe('a\x1b[201~b\r');
  });
});
