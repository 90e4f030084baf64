import { memo } from "react";
import { Heatmap } from "./components/Heatmap";
import { HistoryCharts } from "./components/HistoryCharts";
import { NodesTable } from "./components/NodesTable";
import { PositionsTable } from "./components/PositionsTable";
import { fmt } from "./format";
import { percentile, type RiskData } from "./protocol";
import { formatAge } from "./status";
import { useRiskStream, type Status } from "./useRiskStream";

const WHY: Record<Status, string> = {
  CONNECTING: "connecting",
  LIVE: "",
  STALE: "the server has sent nothing",
  RECONNECTING: "the connection is lost, reconnecting",
  DISCONNECTED: "the server is unreachable, still retrying",
};

function Card({ label, value, tone, testId }: { label: string; value: string; tone?: "pos" | "neg"; testId?: string }) {
  return (
    <div className="card">
      <div className="label">{label}</div>
      <div className={`value ${tone ?? ""}`} data-testid={testId}>{value}</div>
    </div>
  );
}

// The numbers, re-rendered only when the data changes (not on the clock that ages them).
// `snapshots` counts the snapshots taken: each one refetches the charts' history.
const Panels = memo(function Panels({ d, snapshots }: { d: RiskData; snapshots: number }) {
  return (
    <>
      <section className="cards">
        <Card label="Total P&L" value={fmt(d.total_pnl)} tone={d.total_pnl < 0 ? "neg" : "pos"} testId="pnl" />
        <Card label="Total exposure (gross)" value={fmt(d.gross_exposure)} />
        <Card label="Positions" value={fmt(d.positions_count)} />
        <Card label="1-day VaR 99%" value={fmt(d.var_99)} testId="var" />
        <Card label="ES 97.5%" value={fmt(d.es_975)} testId="es" />
        <Card label="Net delta ($)" value={fmt(d.net_delta)} />
      </section>
      <section className="row">
        <HistoryCharts node={d.nodes[0].path} live={d.history} snapshots={snapshots} publishMs={d.server?.publish_ms ?? 100} />
        <div className="panel">
          <h3>Stress scenarios</h3>
          <table>
            <tbody>
              {d.stress.map((s) => (
                <tr key={s.name}>
                  <td>{s.name.replace(/_/g, " ")}</td>
                  <td className={s.pnl < 0 ? "neg" : "pos"}>{fmt(s.pnl)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>VaR 99% by method</h3>
          <table>
            <tbody>
              {Object.entries(d.var_methods).map(([k, v]) => (
                <tr key={k}><td>{k.replace(/_/g, " ")}</td><td>{fmt(v)}</td></tr>
              ))}
            </tbody>
          </table>
          <h3>Spot × vol P&amp;L</h3>
          <Heatmap grid={d.grid} />
        </div>
      </section>
      <section className="panel">
        <h3>Risk by node ({d.nodes.length})</h3>
        <NodesTable nodes={d.nodes} />
      </section>
      <section className="panel">
        <h3>Positions ({d.positions.length}) · {d.scenarios} scenarios · {fmt(d.ticks_total)} ticks</h3>
        <PositionsTable rows={d.positions} />
      </section>
    </>
  );
});

export default function App() {
  const { state, status, attempts, stale, ageMs } = useRiskStream();
  const d = state.data;
  const p99 = percentile(state.latencyMs, 0.99);
  return (
    <div className="app">
      <header className="status">
        <span className={`badge ${status.toLowerCase()}`} data-testid="status">{status}</span>
        {attempts > 0 && <span>retry #{attempts}</span>}
        <span data-testid="data-age" data-age-ms={Number.isFinite(ageMs) ? Math.round(ageMs) : undefined}
          title={state.lastUpdate ? new Date(state.lastUpdate).toLocaleTimeString() : undefined}>
          updated {Number.isFinite(ageMs) ? `${formatAge(ageMs)} ago` : "–"}
        </span>
        {/* a latency measured before the data stopped is not a current figure */}
        <span data-testid="latency">latency p99 {!stale && Number.isFinite(p99) ? `${p99.toFixed(1)} ms` : "—"}</span>
        <span>seq {state.seq}</span>
        <span className="title">rtrisk live</span>
      </header>
      {d && stale && (
        <div className="stale-banner" data-testid="stale-banner" role="alert">
          Stale: these numbers are {formatAge(ageMs)} old; {WHY[status]}.
        </div>
      )}
      {d && (
        <main className={stale ? "data stale" : "data"} data-testid="data" data-stale={stale}>
          <Panels d={d} snapshots={state.snapshots} />
        </main>
      )}
    </div>
  );
}
