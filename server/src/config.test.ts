import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

describe('parseConfig', () => {
  it('has safe defaults: loopback, port 8080, a generated token', () => {
    const config = parseConfig({});
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(8080);
    expect(config.token.generated).toBe(true);
    expect(config.token.value.length).toBeGreaterThanOrEqual(32);
    expect(config.toolboxImage).toBe('sonde-toolbox:latest');
    expect(config.dockerHost).toBe('unix:///var/run/docker.sock');
    expect(config.allowedHosts).toEqual(['localhost', '127.0.0.1', '[::1]']);
  });

  it('reads every variable', () => {
    const config = parseConfig({
      SONDE_HOST: '0.0.0.0',
      SONDE_PORT: '9000',
      SONDE_TOKEN: 'a-long-enough-token',
      SONDE_TOOLBOX_IMAGE: 'nicolaka/netshoot:latest',
      SONDE_DATA_DIR: '/tmp/sonde-data',
      DOCKER_HOST: 'tcp://127.0.0.1:2375',
      SONDE_ALLOWED_HOSTS: 'sonde.example.com, ops.example.com',
      SONDE_DETACHED_GRACE_SECONDS: '5',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      token: { value: 'a-long-enough-token', generated: false },
      toolboxImage: 'nicolaka/netshoot:latest',
      dataDir: '/tmp/sonde-data',
      dockerHost: 'tcp://127.0.0.1:2375',
      detachedGraceMs: 5000,
    });
    expect(config.allowedHosts).toContain('sonde.example.com');
    expect(config.allowedHosts).toContain('ops.example.com');
  });

  it.each([
    ['SONDE_PORT', 'eighty'],
    ['SONDE_PORT', '70000'],
    ['SONDE_TOKEN', 'short'],
    ['SONDE_TOOLBOX_IMAGE', 'bad image; rm -rf /'],
    ['SONDE_HOST', 'evil host'],
    ['SONDE_INSTANCE', '../../etc'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrow(name);
  });
});
