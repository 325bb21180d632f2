import type { MatrixRun } from '@sonde/shared';

/**
 * A matrix as a CSV file: one row per cell, names and ids of both ends, one column group per
 * check. RFC 4180 quoting; a field that a spreadsheet would read as a formula (=, +, -, @ first)
 * is prefixed with a quote, since container names and tool output end up in these cells.
 */

const HEADER = ['from', 'to', 'state', 'icmp_ok', 'icmp_ms', 'icmp_reason', 'tcp', 'dns_ok', 'dns_addresses', 'dns_reason', 'reason', 'from_id', 'to_id', 'at'];

function field(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function matrixCsv(run: MatrixRun): string {
  const names = new Map(run.members.map((m) => [m.id, m.name]));
  const rows = run.cells.map((cell) =>
    [
      names.get(cell.from) ?? cell.from,
      names.get(cell.to) ?? cell.to,
      cell.state,
      cell.icmp?.ok,
      cell.icmp?.ms,
      cell.icmp?.reason,
      cell.tcp?.map((t) => `${t.port}:${t.state}${t.reason ? ` (${t.reason})` : ''}`).join('; '),
      cell.dns?.ok,
      cell.dns?.addresses?.join(' '),
      cell.dns?.reason,
      cell.reason,
      cell.from,
      cell.to,
      cell.at,
    ]
      .map(field)
      .join(','),
  );
  return `${[HEADER.join(','), ...rows].join('\r\n')}\r\n`;
}
