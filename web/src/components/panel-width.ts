/** Width of a resizable side panel: kept between bounds, remembered per browser (localStorage). */
export const PANEL_MIN_WIDTH = 300;
/** The panel never takes more than this share of its row: the terminal keeps the rest. */
export const PANEL_MAX_SHARE = 0.7;

export function clampPanelWidth(width: number, rowWidth: number): number {
  const max = Math.max(PANEL_MIN_WIDTH, Math.round(rowWidth * PANEL_MAX_SHARE));
  return Math.round(Math.min(max, Math.max(PANEL_MIN_WIDTH, width)));
}

/** A stored width, or `fallback` when there is none or it is not a positive number of pixels. */
export function readPanelWidth(storage: Pick<Storage, 'getItem'> | undefined, key: string, fallback: number): number {
  let raw: string | null = null;
  try {
    raw = storage?.getItem(key) ?? null;
  } catch {
    // Storage can throw (disabled cookies, some private modes): the default width then.
    return fallback;
  }
  const value = raw === null ? Number.NaN : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

export function writePanelWidth(storage: Pick<Storage, 'setItem'> | undefined, key: string, width: number): void {
  try {
    storage?.setItem(key, String(Math.round(width)));
  } catch {
    // Not remembered; the panel still has the width for this page.
  }
}
