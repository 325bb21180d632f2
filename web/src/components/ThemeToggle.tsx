import { nextPreference } from './color-scheme';
import { useColorScheme } from './use-color-scheme';

const LABEL = { system: 'following the system', light: 'light', dark: 'dark' } as const;

/** One button: follow the system → the other scheme → this scheme → follow the system. */
export function ThemeToggle() {
  const { preference, scheme, systemPrefersLight, set } = useColorScheme();
  const next = nextPreference(preference, systemPrefersLight);
  return (
    <button
      type="button"
      className="button button-ghost button-small theme-toggle"
      data-testid="theme-toggle"
      data-preference={preference}
      data-scheme={scheme}
      title={`Theme: ${LABEL[preference]} (${scheme}). Click for ${LABEL[next]}.`}
      aria-label={`Theme: ${LABEL[preference]}. Switch to ${LABEL[next]}`}
      onClick={() => set(next)}
    >
      <span aria-hidden="true">{scheme === 'light' ? '☀' : '☾'}</span>
    </button>
  );
}
