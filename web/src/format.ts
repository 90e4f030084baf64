export const fmt = (v: number, digits = 0): string =>
  Number.isFinite(v) ? v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "–";

/** Axis labels: thousands separators, and the decimals the tick spacing `incr` needs (at most 6). */
export function tickLabels(splits: number[], incr: number): string[] {
  let digits = 0;
  while (digits < 6 && Math.abs(incr * 10 ** digits - Math.round(incr * 10 ** digits)) > 1e-6) digits++;
  return splits.map((v) => fmt(Math.abs(v) < incr * 1e-6 ? 0 : v, digits)); // no "-0" from rounding
}
