/**
 * Reads the console's server-sent events (GET /api/events) into `into` until `signal` aborts:
 * each event as `{event, data}` with `data` parsed. Resolves when the stream ends or is aborted.
 */
export async function readEvents(url: string, headers: Record<string, string>, signal: AbortSignal, into: { event: string; data: any }[]): Promise<void> {
  try {
    const response = await fetch(url, { headers, signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) into.push({ event, data: JSON.parse(data) });
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
