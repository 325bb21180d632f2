import { formatIsoLike, formatWhen, fullDate } from './format';

/**
 * A point in time: relative while recent (or ISO-like with `absolute`), the full date on hover.
 * Relative text is computed at render; lists that re-render with live data stay about right.
 */
export function Time({ iso, absolute = false }: { iso: string; absolute?: boolean }) {
  return (
    <time dateTime={iso} title={fullDate(iso)} data-testid="time">
      {absolute ? formatIsoLike(iso) : formatWhen(iso)}
    </time>
  );
}
