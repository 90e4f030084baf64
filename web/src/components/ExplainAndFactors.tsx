// P&L explain of the selected node since the start of the day (from the stream) with its
// biggest movers (from its detail), and the firm's risk by factor (sector, country, currency).
import { memo } from "react";
import type { NodeDetail, RiskData } from "../protocol.generated";
import { fmt } from "../format";
import { EXPLAIN_PARTS, explainOf, explainSince, factorTables } from "../explain";

const tone = (v: number) => (v < 0 ? "neg" : "pos");

export const ExplainPanel = memo(function ExplainPanel({ explain, path, detail }:
  { explain: RiskData["explain"] | undefined; path: string; detail: NodeDetail | null }) {
  const e = explainOf(explain, path);
  if (!e) return <p className="muted">waiting for the next refresh…</p>;
  const movers = (detail?.explain.positions ?? []).slice(0, 10);
  return (
    <div>
      <p className="muted">{explainSince(explain?.since_us ?? 0)}: delta and gamma on the Greeks at the start; vols and the valuation date are held (vega, theta 0)</p>
      <table data-testid="explain">
        <thead><tr><th>actual</th>{EXPLAIN_PARTS.map((k) => <th key={k}>{k}</th>)}</tr></thead>
        <tbody>
          <tr>
            <td className={tone(e.actual)} data-testid="explain-actual">{fmt(e.actual)}</td>
            {EXPLAIN_PARTS.map((k) => <td key={k} className={tone(e[k])}>{fmt(e[k])}</td>)}
          </tr>
        </tbody>
      </table>
      {movers.length > 0 && <>
        <h4>Biggest movers</h4>
        <table data-testid="explain-movers">
          <thead><tr><th>node</th><th>symbol</th><th>actual</th>{EXPLAIN_PARTS.map((k) => <th key={k}>{k}</th>)}</tr></thead>
          <tbody>
            {movers.map((m) => (
              <tr key={`${m.node} ${m.symbol}`}>
                <td>{m.node}</td><td>{m.symbol}</td><td className={tone(m.actual)}>{fmt(m.actual)}</td>
                {EXPLAIN_PARTS.map((k) => <td key={k} className={tone(m[k])}>{fmt(m[k])}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </>}
    </div>
  );
});

export const FactorsPanel = memo(function FactorsPanel({ factors }: { factors: RiskData["factors"] | undefined }) {
  const tables = factorTables(factors);
  if (tables.length === 0) return <p className="muted">the book has no sector, country or currency column</p>;
  return (
    <div className="row" data-testid="factors">
      {tables.map((t) => (
        <table key={t.factor} data-factor={t.factor}>
          <thead>
            <tr><th>{t.factor}</th><th>positions</th><th>net delta</th><th>gross</th><th>VaR 99</th><th>ES 97.5</th><th>component VaR</th></tr>
          </thead>
          <tbody>
            {t.groups.map((g) => (
              <tr key={g.group}>
                <td>{g.group}</td><td>{fmt(g.positions_count)}</td><td className={tone(g.net_delta)}>{fmt(g.net_delta)}</td>
                <td>{fmt(g.gross_exposure)}</td><td>{fmt(g.var_99)}</td><td>{fmt(g.es_975)}</td><td>{fmt(g.component_var)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </div>
  );
});
