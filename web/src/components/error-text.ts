/**
 * The sentence to show for a failed action. API failures are Errors whose message is the
 * server's human sentence (never a stack trace), so no API knowledge is needed here.
 */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
