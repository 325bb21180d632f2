import { useEffect, useState } from 'react';

/** The current time, re-rendering every `intervalMs` (elapsed clocks); pass 0 to stop ticking. */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (intervalMs <= 0) return;
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
