import { describe, expect, it } from 'vitest';
import { nonCanonicalReason } from './request-target.js';

describe('request targets: one spelling per path', () => {
  it('accepts canonical origin-form paths, with any query', () => {
    for (const url of ['/', '/api/users', '/api/users?x=1&y=%2F', '/assets/index-AbC_1.js', '/networks/shop_default', '/a%20b', '/sessions/0123abcd']) {
      expect(nonCanonicalReason(url), url).toBeUndefined();
    }
  });

  it('refuses every other spelling of a path', () => {
    const refused = [
      'http://127.0.0.1:8080/api/users',
      '*',
      '',
      '//api/users',
      '/api//users',
      '/./api/users',
      '/api/../api/users',
      '/api/users/',
      '/api/users/.',
      '/%61pi/users',
      '/api/%75sers',
      '/api%2Fusers',
      '/api%2fusers',
      '/api/users%2F',
      '/api/%2e%2e/users',
      '/api/%2E%2E/users',
      '/api/users;x=1',
      '/api;/users',
      '/api/users%3Bx',
      '/api\\users',
      '/api/users%5C',
      '/api/users%00',
      '/api/users%0a',
      '/api/users%zz',
      '/api/users%4',
      '/api/us ers',
      '/api/usérs',
      '/api/users#x',
    ];
    for (const url of refused) expect(nonCanonicalReason(url), url).toBeTypeOf('string');
  });
});
