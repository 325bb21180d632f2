/**
 * Light or dark: the user's choice (remembered in localStorage) or, by default, the system's
 * (`prefers-color-scheme`). Applied as `data-theme` on <html>, which theme.css keys its colour
 * variables on; terminals ask for the resolved scheme to pick their palette.
 */
export type SchemePreference = 'system' | 'light' | 'dark';
export type Scheme = 'light' | 'dark';

export const SCHEME_STORAGE_KEY = 'sonde.theme';
const SYSTEM_LIGHT = '(prefers-color-scheme: light)';

export function parsePreference(value: string | null | undefined): SchemePreference {
  return value === 'light' || value === 'dark' ? value : 'system';
}

export function resolveScheme(preference: SchemePreference, systemPrefersLight: boolean): Scheme {
  if (preference === 'system') return systemPrefersLight ? 'light' : 'dark';
  return preference;
}

/** The toggle's cycle: follow the system, then force the other scheme, then force this one. */
export function nextPreference(preference: SchemePreference, systemPrefersLight: boolean): SchemePreference {
  const system = systemPrefersLight ? 'light' : 'dark';
  const other = system === 'light' ? 'dark' : 'light';
  if (preference === 'system') return other;
  if (preference === other) return system;
  return 'system';
}

type Listener = () => void;

/** The page's one scheme store (useSyncExternalStore reads it; see use-color-scheme.ts). */
class ColorSchemeStore {
  private preference: SchemePreference = 'system';
  private systemLight = false;
  private readonly listeners = new Set<Listener>();
  private started = false;

  private start(): void {
    if (this.started || typeof window === 'undefined') return;
    this.started = true;
    try {
      this.preference = parsePreference(window.localStorage.getItem(SCHEME_STORAGE_KEY));
    } catch {
      // No storage: follow the system.
    }
    const query = window.matchMedia(SYSTEM_LIGHT);
    this.systemLight = query.matches;
    query.addEventListener('change', () => {
      this.systemLight = query.matches;
      this.changed();
    });
    this.apply();
  }

  subscribe = (listener: Listener): (() => void) => {
    this.start();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** A string snapshot (`preference/scheme`), stable between changes as useSyncExternalStore needs. */
  snapshot = (): string => {
    this.start();
    return `${this.preference}/${resolveScheme(this.preference, this.systemLight)}`;
  };

  get systemPrefersLight(): boolean {
    return this.systemLight;
  }

  set(preference: SchemePreference): void {
    this.preference = preference;
    try {
      if (preference === 'system') window.localStorage.removeItem(SCHEME_STORAGE_KEY);
      else window.localStorage.setItem(SCHEME_STORAGE_KEY, preference);
    } catch {
      // Not remembered; still applied to this page.
    }
    this.changed();
  }

  private changed(): void {
    this.apply();
    for (const listener of this.listeners) listener();
  }

  private apply(): void {
    const scheme = resolveScheme(this.preference, this.systemLight);
    document.documentElement.dataset.theme = scheme;
    document.documentElement.style.colorScheme = scheme;
  }
}

export const colorSchemes = new ColorSchemeStore();
