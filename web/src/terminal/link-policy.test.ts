import { describe, expect, it, vi } from 'vitest';
import { openTerminalLink, openableUrl } from './link-policy';
import { terminalNotice } from './terminal-notice';

describe('openableUrl', () => {
  it('accepts http and https', () => {
    expect(openableUrl('https://example.com/a?b=1')).toBe('https://example.com/a?b=1');
    expect(openableUrl('http://10.0.0.2:8080')).toBe('http://10.0.0.2:8080/');
  });

  it.each(['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'not a url'])(
    'refuses %s',
    (uri) => {
      expect(openableUrl(uri)).toBeNull();
    },
  );
});

describe('openTerminalLink', () => {
  it('opens only after the user confirmed the real URL', () => {
    const opener = { confirm: vi.fn(() => true), open: vi.fn() };
    expect(openTerminalLink('https://example.com', opener)).toBe(true);
    expect(opener.confirm).toHaveBeenCalledWith(expect.stringContaining('https://example.com/'));
    expect(opener.open).toHaveBeenCalledWith('https://example.com/');
  });

  it('does nothing when the user declines or the scheme is not allowed', () => {
    const declined = { confirm: vi.fn(() => false), open: vi.fn() };
    expect(openTerminalLink('https://example.com', declined)).toBe(false);
    expect(declined.open).not.toHaveBeenCalled();
    const opener = { confirm: vi.fn(() => true), open: vi.fn() };
    expect(openTerminalLink('javascript:alert(1)', opener)).toBe(false);
    expect(opener.confirm).not.toHaveBeenCalled();
  });
});

describe('terminalNotice', () => {
  it('strips control characters from server-provided text', () => {
    const notice = terminalNotice('exited: \x1b]52;c;ZXZpbA==\x07 \x9b31m');
    expect(notice.slice(0, -'\x1b[0m\r\n'.length)).not.toMatch(/\x1b\]|\x07|\x9b/);
    expect(notice.startsWith('\r\n\x1b[2m[sonde] ')).toBe(true);
  });
});
