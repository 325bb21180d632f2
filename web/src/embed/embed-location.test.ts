import { describe, expect, it } from 'vitest';
import { embedToken, embedView } from './embed-location';

describe('embed location', () => {
  it('reads the three views from the path, and nothing else', () => {
    const id = 'a'.repeat(32);
    expect(embedView(`/embed/sessions/${id}`)).toEqual({ kind: 'session', id });
    expect(embedView(`/embed/runs/${id}`)).toEqual({ kind: 'run', id });
    expect(embedView('/embed/containers/web-1/shell')).toEqual({ kind: 'container', id: 'web-1' });
    expect(embedView('/embed/sessions/not-an-id')).toBeNull();
    expect(embedView(`/embed/sessions/${id}/extra`)).toBeNull();
    expect(embedView('/embed/containers/%E0%A4%A/shell')).toBeNull();
    expect(embedView('/sessions/abc')).toBeNull();
  });

  it('takes the token from the fragment only, in the shape the server makes', () => {
    const token = 'Abc_def-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZa';
    expect(embedToken(`#token=${token}`)).toBe(token);
    expect(embedToken('')).toBeNull();
    expect(embedToken('#token=short')).toBeNull();
    expect(embedToken('#token=has spaces and <html>')).toBeNull();
  });
});
