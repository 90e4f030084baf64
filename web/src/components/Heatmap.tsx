// The spot x vol P&L grid (full revaluation): rows are relative spot moves, columns relative vol
// shifts, each cell coloured by its P&L against the largest |P&L| (the colour scale below), the
// exact value of the cell under the pointer in the readout.
import { useState } from "react";
import { fmt } from "../format";
import { cellColour, pct } from "../nodeDetail";

export function Heatmap({ grid }: { grid: { spot: number[]; vol: number[]; pnl: number[][] } }) {
  const [at, setAt] = useState<[number, number] | null>(null);
  const max = Math.max(0, ...grid.pnl.flat().map(Math.abs));
  const cell = at && grid.pnl[at[0]]?.[at[1]] !== undefined ? { spot: grid.spot[at[0]], vol: grid.vol[at[1]], pnl: grid.pnl[at[0]][at[1]] } : null;
  return (
    <div className="heatmap" data-testid="heatmap">
      <table onMouseLeave={() => setAt(null)}>
        <thead>
          <tr><th className="axis-title" rowSpan={2}>spot move ↓</th><th className="axis-title" colSpan={grid.vol.length}>vol shift →</th></tr>
          <tr>{grid.vol.map((v) => <th key={v}>{pct(v)}</th>)}</tr>
        </thead>
        <tbody>
          {grid.spot.map((s, i) => (
            <tr key={s}>
              <th>{pct(s)}</th>
              {grid.vol.map((v, j) => (
                <td key={v} data-testid="heatmap-cell" data-pnl={grid.pnl[i][j]} style={{ background: cellColour(grid.pnl[i][j], max) }}
                  onMouseEnter={() => setAt([i, j])} title={`spot ${pct(s)}, vol ${pct(v)}: ${fmt(grid.pnl[i][j], 2)}`} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="scale" aria-label="colour scale">
        <span>{fmt(-max)}</span>
        <span className="ramp" style={{ background: `linear-gradient(to right, ${cellColour(-max, max)}, ${cellColour(0, max)}, ${cellColour(max, max)})` }} />
        <span>+{fmt(max)}</span>
      </div>
      <div className="readout" data-testid="heatmap-readout">
        {cell ? `spot ${pct(cell.spot)}, vol ${pct(cell.vol)}: P&L ${fmt(cell.pnl, 2)}` : "P&L of the cell under the pointer"}
      </div>
    </div>
  );
}
