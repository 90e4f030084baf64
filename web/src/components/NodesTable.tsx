// Risk by node: the selected node and every node below it, indented by depth, with its P&L, VaR
// 99, ES 97.5, component VaR in its parent (for the selected node's children: their share of its
// VaR), gross exposure, net delta (docs/protocol.md, `nodes`) and its most used limit
// (docs/limits.md). A node's name selects it. Windowed: a book of thousands of nodes renders a screenful.
import type { NodeRisk } from "../protocol";
import type { LimitStatus } from "../protocol.generated";
import { MEASURE_LABEL, tone } from "../limits";
import { fmt } from "../format";
import { leaf } from "../selection";
import { useRowWindow } from "./useRowWindow";

const ROW = 26;
const VISIBLE = 12;

export function NodesTable({ nodes, selected, onSelect, limitUse }:
  { nodes: NodeRisk[]; selected: string; onSelect: (path: string) => void; limitUse?: Map<string, LimitStatus> }) {
  const base = nodes[0]?.depth ?? 0;
  const win = useRowWindow(nodes.length, ROW, VISIBLE);
  return (
    <div className="table-wrap" style={{ maxHeight: ROW * VISIBLE + 28 }} onScroll={win.onScroll}>
      <table className="positions" data-testid="nodes">
        <thead>
          <tr>
            <th>node</th><th>P&amp;L</th><th>VaR 99</th><th>ES 97.5</th><th>comp. VaR in parent</th><th>gross exp.</th><th>net delta</th><th>positions</th><th>limit use</th>
          </tr>
        </thead>
        <tbody>
          {win.before > 0 && <tr style={{ height: win.before }} />}
          {nodes.slice(win.first, win.end).map((n) => (
            <tr key={n.path} data-testid="node-row" data-path={n.path} aria-selected={n.path === selected} style={{ height: ROW }}>
              <td style={{ paddingLeft: 6 + 14 * (n.depth - base) }} title={n.path}>
                {n.path === selected ? <strong>{leaf(n.path)}</strong>
                  : <button type="button" className="link" onClick={() => onSelect(n.path)}>{leaf(n.path)}</button>}
              </td>
              <td className={n.pnl < 0 ? "neg" : "pos"}>{fmt(n.pnl, 0)}</td>
              <td data-testid="node-var">{fmt(n.var_99, 0)}</td>
              <td>{fmt(n.es_975, 0)}</td>
              <td>{fmt(n.component_var, 0)}</td>
              <td>{fmt(n.gross_exposure, 0)}</td>
              <td>{fmt(n.net_delta, 0)}</td>
              <td>{n.positions_count}</td>
              <LimitUse l={limitUse?.get(n.path)} />
            </tr>
          ))}
          {win.after > 0 && <tr style={{ height: win.after }} />}
        </tbody>
      </table>
    </div>
  );
}

// A node's most used limit: its utilisation, coloured by tone, the measure on hover.
function LimitUse({ l }: { l?: LimitStatus }) {
  if (!l || l.utilisation === null) return <td data-testid="node-limit-use" />;
  return (
    <td data-testid="node-limit-use" className={`limit-use ${tone(l)}`} title={`${MEASURE_LABEL[l.measure]}: ${fmt(l.value ?? NaN)} of ${fmt(l.limit)}`}>
      {fmt(l.utilisation * 100, 0)} %
    </td>
  );
}
