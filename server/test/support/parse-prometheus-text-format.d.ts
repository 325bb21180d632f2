/** The npm package ships no types; what it returns is checked with a schema where it is used (metrics.test.ts). */
declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusTextFormat(text: string): unknown;
}
