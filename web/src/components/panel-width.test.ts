import { describe, expect, it } from 'vitest';
import { clampPanelWidth, PANEL_MIN_WIDTH, readPanelWidth, writePanelWidth } from './panel-width';

function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (key) => map.get(key) ?? null,
    key: (index) => [...map.keys()][index] ?? null,
    removeItem: (key) => void map.delete(key),
    setItem: (key, value) => void map.set(key, value),
  };
}

describe('clampPanelWidth', () => {
  it('keeps the panel between its minimum and 70 % of the row', () => {
    expect(clampPanelWidth(100, 1400)).toBe(PANEL_MIN_WIDTH);
    expect(clampPanelWidth(500.4, 1400)).toBe(500);
    expect(clampPanelWidth(2000, 1400)).toBe(980);
  });

  it('gives the minimum on a row too narrow for a share', () => {
    expect(clampPanelWidth(600, 320)).toBe(PANEL_MIN_WIDTH);
  });
});

describe('readPanelWidth / writePanelWidth', () => {
  it('round-trips a width and falls back on nothing or garbage', () => {
    const storage = memoryStorage();
    expect(readPanelWidth(storage, 'k', 420)).toBe(420);
    writePanelWidth(storage, 'k', 511.6);
    expect(readPanelWidth(storage, 'k', 420)).toBe(512);
    storage.setItem('k', 'wide');
    expect(readPanelWidth(storage, 'k', 420)).toBe(420);
    storage.setItem('k', '-5');
    expect(readPanelWidth(storage, 'k', 420)).toBe(420);
  });

  it('survives a storage that throws', () => {
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
    };
    expect(readPanelWidth(broken, 'k', 420)).toBe(420);
    expect(() => writePanelWidth(broken, 'k', 500)).not.toThrow();
  });
});
