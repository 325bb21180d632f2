import { isIP } from '../../tools/param-types.js';

/**
 * What a resolv.conf says (resolv.conf(5)). The file comes from the target, so nothing in it is
 * trusted: only nameserver values that are IP addresses are kept (they end up in argv), the
 * others are listed apart so a finding can name them.
 */
export interface ResolvConf {
  nameservers: string[];
  /** `nameserver` lines whose value is not an IP address (resolvers ignore them too). */
  invalid: string[];
  search: string[];
  options: string[];
}

export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], invalid: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const [keyword, ...values] = line.split(/\s+/);
    switch (keyword) {
      case 'nameserver': {
        const value = values[0] ?? '';
        if (isIP(value)) conf.nameservers.push(value);
        else conf.invalid.push(value);
        break;
      }
      // The last search/domain line wins (resolv.conf(5)).
      case 'search':
      case 'domain':
        conf.search = values;
        break;
      case 'options':
        conf.options.push(...values);
        break;
      default:
        break;
    }
  }
  return conf;
}
