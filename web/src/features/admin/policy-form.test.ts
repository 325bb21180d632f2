import { DEFAULT_POLICY } from '@sonde/shared';
import { describe, expect, it } from 'vitest';
import { formToPolicy, parseList, policyToForm } from './policy-form';

describe('policy form', () => {
  it('splits lists on commas and newlines, trimming and dropping blanks and repeats', () => {
    expect(parseList(' shop, api\n\n  web-*  ,shop,\n')).toEqual(['shop', 'api', 'web-*']);
    expect(parseList('')).toEqual([]);
  });

  it('round-trips a policy through the form', () => {
    const policy = {
      operator: {
        allowHost: false,
        allowNetworks: true,
        allowSensitiveNetworks: true,
        allowSharePid: false,
        allowNetworkNamespaces: false,
        allowNodes: false,
        namespaces: ['shop', 'staging-*'],
        podSelectors: ['app=web,tier!=db', 'env in (prod,staging)'],
        composeProjects: ['shop'],
        namePatterns: ['web-*', 'api-?'],
        denyLabels: ['tier=db', 'secret'],
      },
      admin: DEFAULT_POLICY.admin,
    };
    expect(formToPolicy(policyToForm(policy))).toEqual({ ok: true, policy });
  });

  it('names the field and the entry that is wrong', () => {
    const form = policyToForm(DEFAULT_POLICY);
    form.operator.namePatterns = 'web-*, rm -rf';
    form.admin.denyLabels = '=oops';
    form.operator.composeProjects = 'Shop';
    const result = formToPolicy(form);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['admin.denyLabels', 'operator.composeProjects', 'operator.namePatterns']);
    expect(result.errors['operator.namePatterns']).toContain('"rm -rf"');
    expect(result.errors['admin.denyLabels']).toContain('key or key=value');
  });

  it('refuses more than 100 entries', () => {
    const form = policyToForm(DEFAULT_POLICY);
    form.operator.namePatterns = Array.from({ length: 101 }, (_, i) => `n${i}`).join(',');
    const result = formToPolicy(form);
    expect(result.ok ? null : result.errors['operator.namePatterns']).toMatch(/At most 100/);
  });
});
