// Positions with windowed rendering: only the visible rows are in the DOM, so 1,000 rows scroll
// and update smoothly at 10 Hz.
import { useState } from "react";
import type { Position } from "../protocol";
import { fmt } from "../format";

const ROW = 24;
const VISIBLE = 16;

export function PositionsTable({ rows }: { rows: Position[] }) {
  const [top, setTop] = useState(0);
  const first = Math.max(0, Math.floor(top / ROW) - 2);
  const slice = rows.slice(first, first + VISIBLE + 4);
  return (
    <div className="table-wrap" style={{ height: ROW * VISIBLE + 28 }} onScroll={(e) => setTop(e.currentTarget.scrollTop)}>
      <table className="positions">
        <thead>
          <tr>
            <th>node</th><th>symbol</th><th>quantity</th><th>price</th><th>market value</th><th>P&amp;L</th><th>comp. VaR (firm)</th><th>delta $</th>
          </tr>
        </thead>
        <tbody>
          <tr style={{ height: first * ROW }} />
          {slice.map((p) => (
            <tr key={`${p.node} ${p.symbol}`} style={{ height: ROW }}>
              <td title={p.node}>{p.node.slice(p.node.lastIndexOf("/") + 1)}</td>
              <td>{p.symbol}</td>
              <td>{fmt(p.quantity, 0)}</td>
              <td>{fmt(p.price, 2)}</td>
              <td>{fmt(p.market_value, 0)}</td>
              <td className={p.pnl < 0 ? "neg" : "pos"}>{fmt(p.pnl, 0)}</td>
              <td>{fmt(p.component_var, 0)}</td>
              <td>{fmt(p.delta, 0)}</td>
            </tr>
          ))}
          <tr style={{ height: Math.max(0, (rows.length - first - slice.length) * ROW) }} />
        </tbody>
      </table>
    </div>
  );
}
