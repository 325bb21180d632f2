import { describe, expect, it } from 'vitest';
import { exposureWarning, isLoopbackHost } from './transport-security.js';

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.0.0.2', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '[::]', '10.0.0.5', '172.17.0.1', '192.0.2.10', 'sonde.example.com', '::ffff:10.0.0.1', '128.0.0.1'])('%s is not', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('exposureWarning', () => {
  const tls = { certFile: '/etc/sonde/cert.pem', keyFile: '/etc/sonde/key.pem' };

  it('is silent on loopback, whatever else is set', () => {
    expect(exposureWarning({ host: '127.0.0.1', tls: undefined, behindTlsProxy: false })).toBeUndefined();
    expect(exposureWarning({ host: '::1', tls: undefined, behindTlsProxy: false })).toBeUndefined();
  });

  it.each(['0.0.0.0', '::', '192.0.2.10', 'sonde.example.com'])('warns loudly for %s without TLS or a proxy, naming the risk and both fixes', (host) => {
    const warning = exposureWarning({ host, tls: undefined, behindTlsProxy: false });
    expect(warning).toBeDefined();
    const lines = warning!.split('\n');
    expect(lines.length).toBeGreaterThan(5);
    expect(warning).toContain(`listens on ${host} over plain HTTP`);
    expect(warning).toMatch(/root on this host/);
    expect(warning).toContain('SONDE_TLS_CERT');
    expect(warning).toContain('SONDE_TLS_KEY');
    expect(warning).toContain('SONDE_TLS_PROXY=1');
  });

  it('is silent beyond loopback with TLS, or with a TLS proxy acknowledged', () => {
    expect(exposureWarning({ host: '0.0.0.0', tls, behindTlsProxy: false })).toBeUndefined();
    expect(exposureWarning({ host: '0.0.0.0', tls: undefined, behindTlsProxy: true })).toBeUndefined();
  });
});
