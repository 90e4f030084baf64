// Risk by node: every node of the book's hierarchy, indented by depth, with its P&L, VaR 99,
// ES 97.5, component VaR in its parent, gross exposure and net delta (docs/protocol.md, `nodes`).
import type { NodeRisk } from "../protocol";
import { fmt } from "../format";

export function NodesTable({ nodes }: { nodes: NodeRisk[] }) {
  return (
    <div className="table-wrap" style={{ maxHeight: 320 }}>
      <table className="positions" data-testid="nodes">
        <thead>
          <tr>
            <th>node</th><th>P&amp;L</th><th>VaR 99</th><th>ES 97.5</th><th>comp. VaR in parent</th><th>gross exp.</th><th>net delta</th><th>positions</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((n) => (
            <tr key={n.path}>
              <td style={{ paddingLeft: 6 + 14 * n.depth }} title={n.path}>{n.path.slice(n.path.lastIndexOf("/") + 1)}</td>
              <td className={n.pnl < 0 ? "neg" : "pos"}>{fmt(n.pnl, 0)}</td>
              <td>{fmt(n.var_99, 0)}</td>
              <td>{fmt(n.es_975, 0)}</td>
              <td>{fmt(n.component_var, 0)}</td>
              <td>{fmt(n.gross_exposure, 0)}</td>
              <td>{fmt(n.net_delta, 0)}</td>
              <td>{n.positions_count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
