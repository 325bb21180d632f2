/** Terminal palettes for the page's light and dark schemes (components/color-scheme.ts). */
import type { ITheme } from '@xterm/xterm';

export type TerminalScheme = 'light' | 'dark';

const DARK: ITheme = {
  background: '#0b0e13',
  foreground: '#d6dae3',
  cursor: '#d6dae3',
  cursorAccent: '#0b0e13',
  selectionBackground: '#2f4a7a',
  black: '#1c2129',
  red: '#f0635a',
  green: '#4fc262',
  yellow: '#d9a93a',
  blue: '#5b9bff',
  magenta: '#c48cf0',
  cyan: '#48c4d2',
  white: '#c9ced8',
  brightBlack: '#5c6577',
  brightRed: '#ff8a80',
  brightGreen: '#7ee08d',
  brightYellow: '#f2cd6b',
  brightBlue: '#8ab8ff',
  brightMagenta: '#dcb1fb',
  brightCyan: '#7fe0ea',
  brightWhite: '#f3f5f9',
};

/** Light: dark text on near-white; ANSI colours darkened enough to read on it. */
const LIGHT: ITheme = {
  background: '#fbfcfd',
  foreground: '#1f2328',
  cursor: '#1f2328',
  cursorAccent: '#fbfcfd',
  selectionBackground: '#b6d3ff',
  black: '#24292f',
  red: '#cf222e',
  green: '#116329',
  yellow: '#7d4e00',
  blue: '#0550ae',
  magenta: '#8250df',
  cyan: '#1b7c83',
  white: '#6e7781',
  brightBlack: '#57606a',
  brightRed: '#a40e26',
  brightGreen: '#1a7f37',
  brightYellow: '#633c01',
  brightBlue: '#218bff',
  brightMagenta: '#a475f9',
  brightCyan: '#3192aa',
  brightWhite: '#8c959f',
};

export const TERMINAL_THEMES: Record<TerminalScheme, ITheme> = { dark: DARK, light: LIGHT };
