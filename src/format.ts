/** Formatting shared by messages everywhere (errors, diagnostics, CLI output). Pure. */

/** Bytes for people: 512 B, 1.5 KiB, 12.3 MiB. */
export function humanBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || Number.isInteger(value) ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** Token counts for people: 950, 12.3k, 4.5M. */
export function humanTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 1 : 0)}M`;
}

/** Usage for people: `12.3k tok $0.42 ctx 45%` (`≥$` when some messages were unpriced or uncounted). */
export function humanUsage(u: { readonly tokens: number; readonly usd: number; readonly ctxPct?: number; readonly partial?: true }): string {
  return `${humanTokens(u.tokens)} tok ${u.partial ? '≥' : ''}$${u.usd.toFixed(2)}${u.ctxPct === undefined ? '' : ` ctx ${u.ctxPct}%`}`;
}
