// The selected node's detail (GET /api/node): Greeks by underlying and its option positions with
// their own Greeks; "why VaR moved": its scenario P&L histogram with the VaR 99 and ES 97.5 marked,
// the tail scenarios with their history dates, and the 10 largest VaR contributors.
import { memo, useState } from "react";
import type { NodeDetail } from "../protocol.generated";
import { fmt } from "../format";
import { histogramGeometry } from "../nodeDetail";
import { useRowWindow } from "./useRowWindow";

const W = 420, H = 140;

export const Histogram = memo(function Histogram({ d }: { d: NodeDetail }) {
  const g = histogramGeometry(d, W, H);
  const [hover, setHover] = useState<number | null>(null);
  const bar = hover === null ? null : g.bars[hover];
  return (
    <div>
      <svg className="histogram" data-testid="histogram" width={W} height={H + 30} role="img" aria-label="scenario P&L histogram"
        data-var-x={g.varX} onMouseLeave={() => setHover(null)}>
        {g.bars.map((b, i) => (
          <rect key={i} className={b.tail ? "tail" : ""} x={b.x} y={H - b.height} width={b.width} height={Math.max(b.height, 0.5)}
            onMouseEnter={() => setHover(i)} />
        ))}
        <line className="es" x1={g.esX} x2={g.esX} y1={0} y2={H} />
        <line className="var" x1={g.varX} x2={g.varX} y1={0} y2={H} />
        <text x={Math.max(0, g.varX + 3)} y={12}>VaR 99 {fmt(d.var_99)}</text>
        <text x={Math.max(0, g.esX + 3)} y={26}>ES 97.5 {fmt(d.es_975)}</text>
        <text x={0} y={H + 14}>{fmt(g.lo)}</text>
        <text x={W} y={H + 14} textAnchor="end">{fmt(g.hi)}</text>
        <text x={W / 2} y={H + 27} textAnchor="middle">scenario P&amp;L ({d.scenarios} scenarios)</text>
      </svg>
      <div className="histogram-readout">
        {bar ? `${bar.count} scenario${bar.count === 1 ? "" : "s"} with P&L ${fmt(bar.from)} to ${fmt(bar.to)}` : " "}
      </div>
    </div>
  );
});

export const WhyVaR = memo(function WhyVaR({ d }: { d: NodeDetail }) {
  return (
    <div className="row" data-testid="why-var">
      <div>
        <Histogram d={d} />
      </div>
      <div>
        <h3>Tail scenarios (history day, P&amp;L)</h3>
        <table className="positions" data-testid="tail-scenarios">
          <tbody>
            {d.tail.map((t) => (
              <tr key={t.scenario} data-testid="tail-row"><td>day {t.label}</td><td className="neg">{fmt(t.pnl)}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
      <div>
        <h3>Top {d.top_contributors.length} VaR contributors</h3>
        <table className="positions" data-testid="top-contributors">
          <tbody>
            {d.top_contributors.map((c) => (
              <tr key={`${c.node} ${c.symbol}`} data-testid="contributor-row">
                <td title={c.node}>{c.symbol}</td><td>{c.node.split("/").pop()}</td><td>{fmt(c.component_var)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
});

const OPTION_ROW = 24;

/** Re-rendered only when the detail changes (polled), not at every publication. */
export const Greeks = memo(function Greeks({ d }: { d: NodeDetail }) {
  const win = useRowWindow(d.options.length, OPTION_ROW, 10);
  return (
    <div data-testid="greeks">
      <table className="positions">
        <thead><tr><th>underlying</th><th>delta</th><th>$ delta</th><th>gamma</th><th>vega</th><th>theta</th></tr></thead>
        <tbody>
          {d.greeks.map((g) => (
            <tr key={g.underlying} data-testid="greeks-row"><td>{g.underlying}</td><td>{fmt(g.delta, 2)}</td><td>{fmt(g.dollar_delta)}</td>
              <td>{fmt(g.gamma, 4)}</td><td>{fmt(g.vega)}</td><td>{fmt(g.theta)}</td></tr>
          ))}
        </tbody>
      </table>
      <h3>Option positions ({d.options.length})</h3>
      <div className="table-wrap" style={{ maxHeight: OPTION_ROW * 10 + 28 }} onScroll={win.onScroll}>
        <table className="positions" data-testid="options">
          <thead><tr><th>symbol</th><th>node</th><th>qty</th><th>price</th><th>delta</th><th>$ delta</th><th>gamma</th><th>vega</th><th>theta</th></tr></thead>
          <tbody>
            <tr style={{ height: win.before }} />
            {d.options.slice(win.first, win.end).map((o) => (
              <tr key={`${o.node} ${o.symbol}`} data-testid="option-row" style={{ height: OPTION_ROW }}>
                <td>{o.symbol}</td><td title={o.node}>{o.node.split("/").pop()}</td><td>{fmt(o.quantity)}</td><td>{fmt(o.price, 2)}</td>
                <td>{fmt(o.delta, 2)}</td><td>{fmt(o.dollar_delta)}</td><td>{fmt(o.gamma, 4)}</td><td>{fmt(o.vega)}</td><td>{fmt(o.theta)}</td>
              </tr>
            ))}
            <tr style={{ height: win.after }} />
          </tbody>
        </table>
      </div>
    </div>
  );
});
