// The selected node's detail (GET /api/node, docs/protocol.md "Node detail"): the request, and
// the geometry of its scenario P&L histogram with the VaR and ES marked.
import type { NodeDetail } from "./protocol.generated";

/** GET /api/node (the detail) or /api/backtest of a node, with the page's token. */
export function nodeDetailUrl(path: string, token?: string | null, view: "node" | "backtest" = "node"): string {
  const q = new URLSearchParams({ path });
  if (token) q.set("token", token);
  return `/api/${view}?${q}`;
}

/** The backtest chart's geometry in a `width` x `height` box: one x per day, y from the lowest
 *  P&L or -VaR to the highest P&L (0 included); the -VaR line and the exceptions. */
export function backtestGeometry(days: { pnl: number; var_99: number; exception: boolean }[], width: number, height: number) {
  const lo = Math.min(0, ...days.map((d) => Math.min(d.pnl, -d.var_99)));
  const hi = Math.max(0, ...days.map((d) => d.pnl));
  const span = hi > lo ? hi - lo : 1;
  const x = (i: number) => (days.length > 1 ? (i / (days.length - 1)) * width : width / 2);
  const y = (v: number) => height - ((v - lo) / span) * height;
  return {
    points: days.map((d, i) => ({ x: x(i), y: y(d.pnl), exception: d.exception })),
    varLine: days.map((d, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(-d.var_99).toFixed(1)}`).join(""),
    zeroY: y(0),
    lo,
    hi,
  };
}

export type Bar = { x: number; width: number; height: number; from: number; to: number; count: number; tail: boolean };

/** Bars of the histogram in a `width` x `height` box, and the x of the VaR and ES markers (at
 *  P&L -var_99 and -es_975). A bar is in the tail when it lies below -var_99. */
export function histogramGeometry(d: Pick<NodeDetail, "histogram" | "var_99" | "es_975">, width: number, height: number) {
  const { edges, counts } = d.histogram;
  const lo = edges[0] ?? 0, hi = edges[edges.length - 1] ?? 1;
  const span = hi > lo ? hi - lo : 1;
  const xOf = (v: number) => ((v - lo) / span) * width;
  const top = Math.max(1, ...counts);
  const bars: Bar[] = counts.map((c, i) => ({
    x: xOf(edges[i]), width: Math.max(0, xOf(edges[i + 1]) - xOf(edges[i]) - 1), height: (c / top) * height,
    from: edges[i], to: edges[i + 1], count: c, tail: edges[i + 1] <= -d.var_99,
  }));
  return { bars, varX: xOf(-d.var_99), esX: xOf(-d.es_975), lo, hi };
}

/** A heatmap cell's colour: red for losses, green for gains, opacity by |P&L| / max. */
export function cellColour(pnl: number, max: number): string {
  const x = max > 0 ? Math.max(-1, Math.min(1, pnl / max)) : 0;
  return x < 0 ? `rgba(220,60,60,${(0.15 + 0.85 * -x).toFixed(3)})` : `rgba(40,170,90,${(0.15 + 0.85 * x).toFixed(3)})`;
}

export const pct = (v: number) => `${v > 0 ? "+" : ""}${Math.round(v * 100)}%`;
