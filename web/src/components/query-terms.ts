/** Lower-cased words of a filter query; a list item matches when every word is in one of its fields. */
export function queryTerms(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/** Every term is part of some field (AND across terms, OR across fields). */
export function termsMatch(fields: ReadonlyArray<string | undefined>, terms: readonly string[]): boolean {
  if (terms.length === 0) return true;
  const lowered = fields.filter((field): field is string => Boolean(field)).map((field) => field.toLowerCase());
  return terms.every((term) => lowered.some((field) => field.includes(term)));
}
