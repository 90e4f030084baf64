// P&L explain and risk by factor as the dashboard reads them from a publication: the selected
// node's explain row out of the columns, and the factor groups split into one table per factor.
import type { FactorGroup, PositionExplain, RiskData } from "./protocol.generated";

/** The figures of an explain (a node's, or a position's without its names). */
export type PnlExplain = Omit<PositionExplain, "node" | "symbol">;

/** The parts of an explain, in the order the panel shows them; they sum to `actual`. */
export const EXPLAIN_PARTS = ["delta", "gamma", "vega", "theta", "trading", "unexplained"] as const;

/** Node `path`'s explain from the publication's columns, or null when it has none (a node
 *  created after the last refresh). */
export function explainOf(e: RiskData["explain"] | undefined, path: string): PnlExplain | null {
  if (!e) return null;
  const i = e.path.indexOf(path);
  if (i < 0) return null;
  return { actual: e.actual[i], delta: e.delta[i], gamma: e.gamma[i], vega: e.vega[i], theta: e.theta[i], trading: e.trading[i],
    unexplained: e.unexplained[i] };
}

/** "since 09:00 UTC" from the explain's start (µs since the epoch; 0: the server's start). */
export function explainSince(sinceUs: number): string {
  if (sinceUs <= 0) return "since the server started";
  const d = new Date(sinceUs / 1000);
  return `since ${d.toISOString().slice(0, 10)} 00:00 UTC`;
}

/** The groups of each factor, factors and groups in the order they arrive. */
export function factorTables(groups: FactorGroup[] | undefined): { factor: string; groups: FactorGroup[] }[] {
  const out: { factor: string; groups: FactorGroup[] }[] = [];
  for (const g of groups ?? []) {
    let t = out.find((x) => x.factor === g.factor);
    if (!t) out.push((t = { factor: g.factor, groups: [] }));
    t.groups.push(g);
  }
  return out;
}
