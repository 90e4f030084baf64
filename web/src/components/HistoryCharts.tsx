// A node's P&L and VaR 99% over a range (5 min, 1 h, 1 day or custom): filled from
// GET /api/history, then live (useHistory). Both charts show one x range: the range's window, or
// the part of it dragged across until a double click. For tests: data-source on the panel (the
// last fetch's source), data-points on each chart (its number of points).
import { useMemo, useState } from "react";
import { fromLocalInput, PRESETS, toLocalInput, type Preset, type Range, type Window } from "../history";
import type { HistoryPoint } from "../protocol";
import { useHistory } from "../useHistory";
import { Chart } from "./Chart";

type Zoom = [number, number] | null; // seconds

export function HistoryCharts({ node, live, snapshots, publishMs }: { node: string; live: HistoryPoint[]; snapshots: number; publishMs: number }) {
  const [h, setRange] = useHistory(node, live, snapshots, publishMs);
  const [zoom, setZoom] = useState<Zoom>(null);
  const series = useMemo<[[number[], number[]], [number[], number[]]]>(() => {
    const t = h.points.map((p) => p[0] / 1000);
    return [[t, h.points.map((p) => p[1])], [t, h.points.map((p) => p[2])]];
  }, [h.points]);
  const x = useMemo<[number, number]>(() => zoom ?? [h.win.fromMs / 1000, h.win.toMs / 1000], [zoom, h.win]);
  const choose = (r: Range) => {
    setZoom(null);
    setRange(r);
  };
  return (
    <div className="panel grow" data-testid="charts" data-node={node} data-source={h.source ?? undefined}>
      <RangePicker range={h.range} win={h.win} onChange={choose} />
      {h.error && <div className="note" data-testid="history-note" role="status">History unavailable ({h.error}).</div>}
      <Chart title="P&L" series="P&L" color="#4caf50" data={series[0]} x={x} syncKey="history" onZoom={setZoom} testId="chart-pnl" />
      <Chart title="VaR 99%" series="VaR" color="#e57373" data={series[1]} x={x} syncKey="history" onZoom={setZoom} testId="chart-var" />
    </div>
  );
}

// Presets end now and slide; "custom" takes two local date-times, applied when both are valid
// and in order. It opens on the current window, up to the next minute.
function RangePicker({ range, win, onChange }: { range: Range; win: Window; onChange: (r: Range) => void }) {
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const edit = (f: string, t: string) => {
    setFrom(f);
    setTo(t);
    const fromMs = fromLocalInput(f), toMs = fromLocalInput(t);
    if (fromMs < toMs) onChange({ kind: "custom", fromMs, toMs }); // false for NaN
  };
  const ordered = !(fromLocalInput(from) >= fromLocalInput(to));
  return (
    <div className="ranges" role="group" aria-label="chart range">
      {(Object.keys(PRESETS) as Preset[]).map((k) => (
        <button key={k} type="button" aria-pressed={range.kind === k} onClick={() => range.kind !== k && onChange({ kind: k })}>
          {PRESETS[k].label}
        </button>
      ))}
      <button type="button" aria-pressed={range.kind === "custom"}
        onClick={() => range.kind !== "custom" && edit(toLocalInput(win.fromMs), toLocalInput(win.toMs + 60_000))}>
        custom
      </button>
      {range.kind === "custom" && (
        <>
          <input type="datetime-local" aria-label="from" value={from} aria-invalid={!ordered} onChange={(e) => edit(e.target.value, to)} />
          <input type="datetime-local" aria-label="to" value={to} aria-invalid={!ordered} onChange={(e) => edit(from, e.target.value)} />
        </>
      )}
    </div>
  );
}
