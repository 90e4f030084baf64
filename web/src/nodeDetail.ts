// The selected node's detail (GET /api/node, docs/protocol.md "Node detail"): the request, and
// the geometry of its scenario P&L histogram with the VaR and ES marked.
import type { NodeDetail } from "./protocol.generated";

export function nodeDetailUrl(path: string, token?: string | null): string {
  const q = new URLSearchParams({ path });
  if (token) q.set("token", token);
  return `/api/node?${q}`;
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
