import { useSyncExternalStore } from 'react';
import { colorSchemes, parsePreference, type Scheme, type SchemePreference } from './color-scheme';

/** The chosen preference and the scheme in effect; re-renders on a toggle or a system change. */
export function useColorScheme(): { preference: SchemePreference; scheme: Scheme; systemPrefersLight: boolean; set(preference: SchemePreference): void } {
  const snapshot = useSyncExternalStore(colorSchemes.subscribe, colorSchemes.snapshot);
  const [preference, scheme] = snapshot.split('/');
  return {
    preference: parsePreference(preference),
    scheme: scheme === 'light' ? 'light' : 'dark',
    systemPrefersLight: colorSchemes.systemPrefersLight,
    set: (next) => colorSchemes.set(next),
  };
}
