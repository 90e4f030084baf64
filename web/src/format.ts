const formats = new Map<number, Intl.NumberFormat>(); // one formatter per digit count: building one costs far more than formatting

/** Thousands separators and exactly `digits` decimals; "–" for a value that is not finite. */
export function fmt(v: number, digits = 0): string {
  if (!Number.isFinite(v)) return "–";
  let f = formats.get(digits);
  if (f === undefined) formats.set(digits, (f = new Intl.NumberFormat("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })));
  return f.format(v);
}

/** Axis labels: thousands separators, and the decimals the tick spacing `incr` needs (at most 6). */
export function tickLabels(splits: number[], incr: number): string[] {
  let digits = 0;
  while (digits < 6 && Math.abs(incr * 10 ** digits - Math.round(incr * 10 ** digits)) > 1e-6) digits++;
  return splits.map((v) => fmt(Math.abs(v) < incr * 1e-6 ? 0 : v, digits)); // no "-0" from rounding
}
