import { describe, expect, it } from 'vitest';
import { LabelSelectorError, parseLabelSelector } from './label-selector.js';

const matches = (selector: string, labels: Record<string, string>) => parseLabelSelector(selector).matches(labels);

describe('label selectors (kubectl -l)', () => {
  it('matches equality requirements, all of them', () => {
    expect(matches('app=web', { app: 'web' })).toBe(true);
    expect(matches('app==web', { app: 'web' })).toBe(true);
    expect(matches('app=web', { app: 'db' })).toBe(false);
    expect(matches('app=web,tier=front', { app: 'web' })).toBe(false);
    expect(matches('app=web, tier=front', { app: 'web', tier: 'front' })).toBe(true);
  });

  it('lets != and notin match objects without the key, as Kubernetes does', () => {
    expect(matches('tier!=db', {})).toBe(true);
    expect(matches('tier!=db', { tier: 'db' })).toBe(false);
    expect(matches('env notin (prod,staging)', {})).toBe(true);
    expect(matches('env notin (prod,staging)', { env: 'prod' })).toBe(false);
  });

  it('matches set-based and existence requirements', () => {
    expect(matches('env in (prod, staging),app', { env: 'staging', app: 'x' })).toBe(true);
    expect(matches('env in (prod,staging)', { env: 'dev' })).toBe(false);
    expect(matches('!canary', { canary: 'true' })).toBe(false);
    expect(matches('!canary', {})).toBe(true);
    expect(matches('app.kubernetes.io/name=cart', { 'app.kubernetes.io/name': 'cart' })).toBe(true);
  });

  it('refuses what is not a selector, saying why', () => {
    for (const bad of ['', 'app=web,', 'env in (prod', 'a b=c', 'app=we b', '=web', 'app in prod)']) {
      expect(() => parseLabelSelector(bad), bad).toThrow(LabelSelectorError);
    }
  });
});
