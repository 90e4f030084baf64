// Positions with windowed rendering: only the visible rows are in the DOM, so thousands of rows
// scroll and update smoothly at the stream's rate. Sort by a column header (again: the other
// way), filter by symbol or node, group by node under subtotal rows (positions.ts).
import { useMemo, useState } from "react";
import type { Position } from "../protocol";
import { fmt } from "../format";
import { positionsView, type SortKey } from "../positions";
import { useRowWindow } from "./useRowWindow";

const ROW = 24;
const VISIBLE = 16;
const COLUMNS: [SortKey, string][] = [["node", "node"], ["symbol", "symbol"], ["quantity", "quantity"], ["price", "price"],
  ["market_value", "market value"], ["pnl", "P&L"], ["component_var", "comp. VaR (firm)"], ["delta", "delta $"]];

export function PositionsTable({ rows }: { rows: Position[] }) {
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: "component_var", desc: true });
  const [filter, setFilter] = useState("");
  const [group, setGroup] = useState(false);
  const items = useMemo(() => positionsView(rows, { sort: sort.key, desc: sort.desc, filter, group }), [rows, sort, filter, group]);
  const win = useRowWindow(items.length, ROW, VISIBLE);
  const slice = items.slice(win.first, win.end);
  const shown = useMemo(() => items.reduce((n, i) => n + (i.kind === "row" ? 1 : 0), 0), [items]);
  const by = (key: SortKey) => setSort((s) => ({ key, desc: s.key === key ? !s.desc : key !== "node" && key !== "symbol" }));
  return (
    <div>
      <div className="positions-tools">
        <input aria-label="filter positions" placeholder="filter: symbol or node" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <label><input type="checkbox" checked={group} onChange={(e) => setGroup(e.target.checked)} /> group by node</label>
        <span className="muted" data-testid="positions-shown">{shown} of {rows.length}</span>
      </div>
      <div className="table-wrap" style={{ height: ROW * VISIBLE + 28 }} onScroll={win.onScroll}>
        <table className="positions" data-testid="positions">
          <thead>
            <tr>
              {COLUMNS.map(([k, label]) => (
                <th key={k} aria-sort={sort.key === k ? (sort.desc ? "descending" : "ascending") : "none"}>
                  <button type="button" className="link" onClick={() => by(k)}>{label}{sort.key === k ? (sort.desc ? " ▼" : " ▲") : ""}</button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr style={{ height: win.before }} />
            {slice.map((i) => i.kind === "group" ? (
              <tr key={`g ${i.node}`} className="group-row" style={{ height: ROW }}>
                <td title={i.node} colSpan={4}><strong>{i.node}</strong> ({i.count})</td>
                <td>{fmt(i.market_value, 0)}</td>
                <td className={i.pnl < 0 ? "neg" : "pos"}>{fmt(i.pnl, 0)}</td>
                <td>{fmt(i.component_var, 0)}</td>
                <td>{fmt(i.delta, 0)}</td>
              </tr>
            ) : (
              <tr key={`${i.p.node} ${i.p.symbol}`} style={{ height: ROW }} data-testid="position-row">
                <td title={i.p.node}>{i.p.node.slice(i.p.node.lastIndexOf("/") + 1)}</td>
                <td>{i.p.symbol}</td>
                <td>{fmt(i.p.quantity, 0)}</td>
                <td>{fmt(i.p.price, 2)}</td>
                <td>{fmt(i.p.market_value, 0)}</td>
                <td className={i.p.pnl < 0 ? "neg" : "pos"}>{fmt(i.p.pnl, 0)}</td>
                <td>{fmt(i.p.component_var, 0)}</td>
                <td>{fmt(i.p.delta, 0)}</td>
              </tr>
            ))}
            <tr style={{ height: win.after }} />
          </tbody>
        </table>
      </div>
    </div>
  );
}
