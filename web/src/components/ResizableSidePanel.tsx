import { useRef, useState, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';
import { clampPanelWidth, readPanelWidth, writePanelWidth } from './panel-width';

const KEY_STEP = 24;

interface ResizableSidePanelProps {
  /** localStorage key the width is remembered under. */
  storageKey: string;
  defaultWidth: number;
  label: string;
  testId: string;
  children: ReactNode;
}

/**
 * A panel at the right of its row (a flex row: the panel's parent), resized by dragging or with
 * the arrow keys on its edge. Below the small-screen breakpoint the CSS turns it into a bottom
 * sheet and hides the handle; the width then does not apply.
 */
export function ResizableSidePanel({ storageKey, defaultWidth, label, testId, children }: ResizableSidePanelProps) {
  const panelRef = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(() => readPanelWidth(globalThis.localStorage, storageKey, defaultWidth));
  const drag = useRef<{ startX: number; startWidth: number; width: number } | null>(null);

  const rowWidth = () => panelRef.current?.parentElement?.clientWidth ?? window.innerWidth;
  /** Sets the width; `remember` stores it too (once per drag or key press, not per pointer move). */
  const apply = (next: number, remember: boolean) => {
    const clamped = clampPanelWidth(next, rowWidth());
    setWidth(clamped);
    if (remember) writePanelWidth(globalThis.localStorage, storageKey, clamped);
    return clamped;
  };

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    const startWidth = panelRef.current?.offsetWidth ?? width;
    drag.current = { startX: event.clientX, startWidth, width: startWidth };
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    if (!drag.current) return;
    // The handle is on the panel's left edge: moving left widens it.
    drag.current.width = apply(drag.current.startWidth + (drag.current.startX - event.clientX), false);
  };
  const onPointerUp = () => {
    if (drag.current && drag.current.width !== drag.current.startWidth) writePanelWidth(globalThis.localStorage, storageKey, drag.current.width);
    drag.current = null;
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'ArrowLeft') apply(width + KEY_STEP, true);
    else if (event.key === 'ArrowRight') apply(width - KEY_STEP, true);
    else return;
    event.preventDefault();
  };

  return (
    <aside ref={panelRef} className="side-panel" data-testid={testId} aria-label={label} style={{ width: clampPanelWidth(width, rowWidth()) }}>
      <div
        className="side-panel-handle"
        data-testid={`${testId}-resize`}
        role="separator"
        aria-orientation="vertical"
        aria-label={`Resize ${label}`}
        aria-valuenow={Math.round(width)}
        tabIndex={0}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onKeyDown={onKeyDown}
      />
      <div className="side-panel-body">{children}</div>
    </aside>
  );
}
