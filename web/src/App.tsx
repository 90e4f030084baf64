import { memo, startTransition, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { Heatmap } from "./components/Heatmap";
import { AlertBanner, AlertsList, LimitsPanel } from "./components/Limits";
import { BacktestPanel } from "./components/Backtest";
import { Greeks, WhyVaR } from "./components/NodeDetailPanels";
import { WhatIfPanel } from "./components/WhatIf";
import { ExplainPanel, FactorsPanel } from "./components/ExplainAndFactors";
import { useNodeDetail } from "./useNodeDetail";
import { HistoryCharts } from "./components/HistoryCharts";
import { NodesTable } from "./components/NodesTable";
import { PositionsTable } from "./components/PositionsTable";
import { fmt } from "./format";
import { limitUseByNode } from "./limits";
import { percentile, type HistoryPoint, type NodeRisk, type RiskData } from "./protocol";
import { ancestry, leaf, nodeFromSearch, positionsUnder, resolveNode, searchWithNode, subtree, trailReduce, type Trail } from "./selection";
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

// The selected node's path from the root, each step selectable.
function Breadcrumb({ path, onSelect }: { path: string; onSelect: (p: string) => void }) {
  const steps = ancestry(path);
  return (
    <nav className="breadcrumb" aria-label="node" data-testid="breadcrumb" data-path={path}>
      {steps.map((p, i) => (
        <span key={p}>
          {i > 0 && " › "}
          {i === steps.length - 1 ? <strong>{leaf(p)}</strong> : <button type="button" className="link" onClick={() => onSelect(p)}>{leaf(p)}</button>}
        </span>
      ))}
    </nav>
  );
}

// False on the first render, then true in a transition: what is shown only then mounts after
// the first render committed, in slices between which the browser paints.
function useMountedLater(): boolean {
  const [later, setLater] = useState(false);
  useEffect(() => startTransition(() => setLater(true)), []);
  return later;
}

// The numbers, re-rendered only when the data or the selection changes (not on the clock that
// ages them). `snapshots` counts the snapshots taken: each one refetches the charts' history.
// Everything follows the selected node: the cards, charts, node table, positions and limits from
// the stream; stress, the heatmap, Greeks and "why VaR moved" from its detail (GET /api/node,
// refreshed every second); VaR by method is the firm's. The positions render after the rest (a
// deferred value): filtering and re-sorting 10,000 rows never holds back the figures of the
// same message. On the first data the cards are painted first: the first live number does not
// wait for the charts and tables to mount.
const Panels = memo(function Panels({ d, sel, live, snapshots, onSelect }:
  { d: RiskData; sel: NodeRisk; live: HistoryPoint[]; snapshots: number; onSelect: (p: string) => void }) {
  const root = sel.parent === null;
  const firm = root ? "" : " (firm)";
  const { detail: fetched, error: detailError } = useNodeDetail(sel.path);
  const detail = fetched?.path === sel.path ? fetched : null;
  const stress = detail ? detail.stress : root ? d.stress : [];
  const grid = detail ? detail.grid : root ? d.grid : null;
  const nodes = useMemo(() => subtree(d.nodes, sel.path), [d.nodes, sel.path]);
  const held = useDeferredValue(d.positions);
  const positions = useMemo(() => positionsUnder(held, sel.path), [held, sel.path]);
  const limitUse = useMemo(() => limitUseByNode(d.limits ?? []), [d.limits]);
  const allNodes = useMemo(() => d.nodes.map((n) => n.path), [d.nodes]);
  const symbols = useMemo(() => [...new Set(held.map((p) => p.symbol))].sort(), [held]);
  const rest = useMountedLater();
  return (
    <>
      <Breadcrumb path={sel.path} onSelect={onSelect} />
      <section className="cards">
        <Card label="P&L" value={fmt(sel.pnl)} tone={sel.pnl < 0 ? "neg" : "pos"} testId="pnl" />
        <Card label="Gross exposure" value={fmt(sel.gross_exposure)} />
        <Card label="Positions" value={fmt(sel.positions_count)} />
        <Card label="1-day VaR 99%" value={fmt(sel.var_99)} testId="var" />
        <Card label="ES 97.5%" value={fmt(sel.es_975)} testId="es" />
        <Card label="Net delta ($)" value={fmt(sel.net_delta)} />
      </section>
      {rest && <>
      <section className="row">
        <HistoryCharts key={sel.path} node={sel.path} live={live} snapshots={snapshots} publishMs={d.server?.publish_ms ?? 100} />
        <div className="panel">
          <h3>Stress scenarios: {leaf(sel.path)}</h3>
          <table data-testid="stress" data-node={detail?.path}>
            <tbody>
              {stress.map((s) => (
                <tr key={s.name}>
                  <td>{s.name.replace(/_/g, " ")}</td>
                  <td className={s.pnl < 0 ? "neg" : "pos"}>{fmt(s.pnl)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>VaR 99% by method{firm}</h3>
          <table>
            <tbody>
              {Object.entries(d.var_methods).map(([k, v]) => (
                <tr key={k}><td>{k.replace(/_/g, " ")}</td><td>{v === null ? "too few scenarios" : fmt(v)}</td></tr>
              ))}
            </tbody>
          </table>
          <h3>Spot × vol P&amp;L: {leaf(sel.path)}</h3>
          {grid ? <Heatmap grid={grid} /> : <p className="muted">loading…</p>}
        </div>
      </section>
      <section className="panel">
        <h3>Risk by node: {leaf(sel.path)} and below ({nodes.length})</h3>
        <NodesTable nodes={nodes} selected={sel.path} onSelect={onSelect} limitUse={limitUse} />
      </section>
      <section className="panel" data-testid="node-detail" data-path={detail?.path}>
        <h3>Why VaR moved: {leaf(sel.path)}{detailError ? ` (not refreshed: ${detailError})` : ""}</h3>
        {detail ? <WhyVaR d={detail} /> : <p className="muted">loading…</p>}
      </section>
      <section className="row">
        <div className="panel grow">
          <h3>P&amp;L explain: {leaf(sel.path)}</h3>
          <ExplainPanel explain={d.explain} path={sel.path} detail={detail} />
        </div>
        <div className="panel grow">
          <h3>Risk by factor (firm)</h3>
          <FactorsPanel factors={d.factors} />
        </div>
      </section>
      <section className="panel">
        <h3>Backtest: {leaf(sel.path)}, hypothetical daily P&amp;L against the previous day&apos;s VaR 99</h3>
        <BacktestPanel path={sel.path} />
      </section>
      <section className="row">
        <div className="panel grow">
          <h3>Greeks by underlying: {leaf(sel.path)}</h3>
          {detail ? <Greeks d={detail} /> : <p className="muted">loading…</p>}
        </div>
      </section>
      <section className="row">
        <div className="panel grow">
          <h3>Limits: {leaf(sel.path)} and below</h3>
          <LimitsPanel limits={d.limits ?? []} node={sel.path} />
          <h3>Alerts</h3>
          <AlertsList alerts={d.alerts ?? []} />
        </div>
        <div className="panel grow">
          <h3>What-if trade</h3>
          <WhatIfPanel node={sel.path} nodes={allNodes} symbols={symbols} />
        </div>
      </section>
      <section className="panel">
        <h3>Positions under {leaf(sel.path)} ({positions.length}) · {d.scenarios} scenarios · {fmt(d.ticks_total)} ticks</h3>
        <PositionsTable rows={positions} />
      </section>
      </>}
    </>
  );
});

/** The selected node: the URL's `node` (back and forward buttons included), set by selecting. */
function useSelectedNode(): [string | null, (path: string, root: boolean) => void] {
  const [wanted, setWanted] = useState(() => nodeFromSearch(window.location.search));
  useEffect(() => {
    const back = () => setWanted(nodeFromSearch(window.location.search));
    window.addEventListener("popstate", back);
    return () => window.removeEventListener("popstate", back);
  }, []);
  const select = useCallback((path: string, root: boolean) => {
    const search = searchWithNode(window.location.search, root ? null : path);
    window.history.pushState(null, "", `${window.location.pathname}${search}${window.location.hash}`);
    setWanted(root ? null : path);
  }, []);
  return [wanted, select];
}

export default function App() {
  const { state, status, attempts, stale, ageMs } = useRiskStream();
  const d = state.data;
  const [wanted, select] = useSelectedNode();
  const sel = d ? resolveNode(d.nodes, wanted) : null;
  // A node below the root has no history in the stream: its chart points are its figures at
  // each publication (selection.ts, trailReduce); the root's are the stream's own history.
  const trail = useRef<Trail>({ node: "", points: [] });
  const live = useMemo(() => {
    if (!d || !sel) return [];
    if (sel.parent === null) return d.history;
    const t = d.history[d.history.length - 1]?.[0];
    if (t !== undefined) trail.current = trailReduce(trail.current, sel, t, d.server?.history_points ?? 600);
    return trail.current.node === sel.path ? trail.current.points : [];
  }, [d, sel]);
  const rootPath = d?.nodes[0]?.path;
  const onSelect = useCallback((path: string) => select(path, path === rootPath), [select, rootPath]);
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
      {d && <AlertBanner limits={d.limits ?? []} onSelect={onSelect} />}
      {d && (
        <main className={stale ? "data stale" : "data"} data-testid="data" data-stale={stale}>
          {sel && <Panels d={d} sel={sel} live={live} snapshots={state.snapshots} onSelect={onSelect} />}
        </main>
      )}
    </div>
  );
}
