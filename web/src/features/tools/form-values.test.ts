import { describe, expect, it } from 'vitest';
import { TOOLS, toolInfo } from '@sonde/shared';
import { fieldErrors, formIsValid, formParams, initialFormValues } from './form-values';

const tool = (id: string) => toolInfo(TOOLS.find((t) => t.id === id)!);

describe('tool form values', () => {
  it('starts from the catalog defaults, as the inputs show them', () => {
    expect(initialFormValues(tool('ping'))).toEqual({ host: '', count: '4', interval: '1', timeout: '2' });
    expect(initialFormValues(tool('curl'))).toMatchObject({ url: '', maxTime: '10', followRedirects: false, insecure: false });
  });

  it('turns inputs into typed params, leaving empty ones to the server defaults', () => {
    expect(formParams(tool('ping'), { host: ' web ', count: '10', interval: '', timeout: '2' })).toEqual({ host: 'web', count: 10, timeout: 2 });
    expect(formParams(tool('curl'), { url: 'http://web/', maxTime: '5', followRedirects: true, insecure: false })).toEqual({
      url: 'http://web/',
      maxTime: 5,
      followRedirects: true,
      insecure: false,
    });
  });

  it('explains invalid fields with the same words as the server', () => {
    const ping = tool('ping');
    expect(fieldErrors(ping, initialFormValues(ping))).toEqual({ host: 'is required' });
    expect(fieldErrors(ping, { ...initialFormValues(ping), host: '-oProxyCommand=x', count: '1000' })).toEqual({
      host: 'must not start with "-"',
      count: 'must be between 1 and 100',
    });
    expect(fieldErrors(ping, { ...initialFormValues(ping), host: 'web', count: '2.5' })).toEqual({ count: 'must be a whole number' });
    expect(formIsValid(ping, { ...initialFormValues(ping), host: 'web' })).toBe(true);
    expect(formIsValid(ping, { ...initialFormValues(ping), host: 'web;id' })).toBe(false);
  });

  it('refuses non-http URLs before anything is sent', () => {
    const curl = tool('curl');
    expect(fieldErrors(curl, { ...initialFormValues(curl), url: 'file:///etc/passwd' })).toEqual({ url: 'must be an http:// or https:// URL' });
  });
});
