// Limits and alerts on the dashboard (docs/limits.md): what the stream's `limits` and `alerts`
// say about a node and its subtree, and the request that edits a limit.
import type { LimitEvent, LimitMeasure, LimitStatus } from "./protocol.generated";

export const MEASURES: LimitMeasure[] = ["var_99", "es_975", "gross_exposure", "net_delta", "vega"];
export const MEASURE_LABEL: Record<LimitMeasure, string> = {
  var_99: "VaR 99",
  es_975: "ES 97.5",
  gross_exposure: "gross exposure",
  net_delta: "|net delta|",
  vega: "|vega|",
};

const under = (node: string, path: string) => node === path || node.startsWith(`${path}/`);

/** The limits of `path` and the nodes below it, the most used first (those without a figure last). */
export function limitsUnder(limits: LimitStatus[], path: string): LimitStatus[] {
  return limits.filter((l) => under(l.node, path)).sort((a, b) => (b.utilisation ?? -1) - (a.utilisation ?? -1));
}

/** Each node's highest utilisation over its own limits (a node without limits is absent). */
export function limitUseByNode(limits: LimitStatus[]): Map<string, LimitStatus> {
  const out = new Map<string, LimitStatus>();
  for (const l of limits) {
    const held = out.get(l.node);
    if (l.utilisation !== null && (!held || (held.utilisation ?? -1) < l.utilisation)) out.set(l.node, l);
  }
  return out;
}

export const breached = (limits: LimitStatus[]): LimitStatus[] => limits.filter((l) => l.breached);

/** The alerts newest first, at most `n`. */
export const newestFirst = (alerts: LimitEvent[], n = 100): LimitEvent[] => alerts.slice(-n).reverse();

/** A bar's tone: breached, near the limit (from 80 %), or within it. */
export const tone = (l: Pick<LimitStatus, "breached" | "utilisation">): "breach" | "warn" | "ok" =>
  l.breached ? "breach" : (l.utilisation ?? 0) >= 0.8 ? "warn" : "ok";

/** A bar's width in %, capped at 100 (the label says how far past the limit it is). */
export const barWidth = (u: number | null): number => (u === null || !Number.isFinite(u) ? 0 : Math.max(0, Math.min(100, u * 100)));

export type LimitEdit = { node: string; measure: LimitMeasure; limit: number | null };

/** The body of POST /api/limits for one edit, or the reason it cannot be sent. An empty limit
 *  removes it; else a number in (0, 1e15], thousands separators allowed. */
export function limitEdit(node: string, measure: string, text: string): { edit: LimitEdit } | { error: string } {
  if (!node) return { error: "choose a node" };
  if (!MEASURES.includes(measure as LimitMeasure)) return { error: `unknown measure '${measure}'` };
  const t = text.trim().replace(/,/g, "");
  if (t === "") return { edit: { node, measure: measure as LimitMeasure, limit: null } };
  const v = Number(t);
  if (!/^[0-9.eE+]+$/.test(t) || !Number.isFinite(v) || !(v > 0) || v > 1e15) return { error: `limit '${text}' is not a number in (0, 1e15]` };
  return { edit: { node, measure: measure as LimitMeasure, limit: v } };
}

/** Headers for the API's POSTs: JSON, and the page's token as a Bearer (docs/security.md). */
export function apiHeaders(token: string | null): Record<string, string> {
  return { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) };
}
