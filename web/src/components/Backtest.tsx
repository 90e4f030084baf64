// The selected node's VaR backtest (GET /api/backtest, refreshed every 10 s): the hypothetical
// daily P&L of its positions over the last 250 days of the price history against the previous
// window's VaR 99 (the -VaR line), exceptions in red; the exception count, Kupiec's and
// Christoffersen's p-values and the Basel traffic light.
import type { NodeBacktest } from "../protocol.generated";
import { fmt } from "../format";
import { backtestGeometry } from "../nodeDetail";
import { useNodeDetail } from "../useNodeDetail";

const W = 560, H = 150;

export function BacktestPanel({ path }: { path: string }) {
  const { detail, error } = useNodeDetail(path, 10000, "backtest");
  const b: NodeBacktest | null = detail?.path === path ? detail : null;
  if (!b) return <p className="muted">{error ?? "loading…"}</p>;
  const g = backtestGeometry(b.days, W, H);
  const p = (v: number) => v.toFixed(3);
  return (
    <div className="row" data-testid="backtest" data-path={b.path} data-exceptions={b.exceptions} data-zone={b.traffic_light}>
      <svg className="backtest" width={W} height={H + 16} role="img" aria-label="daily P&L against the previous day's VaR">
        <line x1={0} x2={W} y1={g.zeroY} y2={g.zeroY} stroke="#556" />
        {g.points.map((q, i) => <circle key={i} cx={q.x} cy={q.y} r={q.exception ? 3 : 1.5} fill={q.exception ? "#ff6b63" : "#7f9ccf"}
          data-testid={q.exception ? "backtest-exception" : undefined} />)}
        <path d={g.varLine} fill="none" stroke="#ffb347" strokeWidth={1.5} />
        <text x={0} y={H + 13} fill="#aab" fontSize={10}>day {b.days[0]?.label}</text>
        <text x={W} y={H + 13} fill="#aab" fontSize={10} textAnchor="end">day {b.days[b.days.length - 1]?.label}</text>
        <text x={4} y={10} fill="#aab" fontSize={10}>{fmt(g.hi)}</text>
        <text x={4} y={H - 2} fill="#aab" fontSize={10}>{fmt(g.lo)} · −VaR 99 line</text>
      </svg>
      <table className="positions backtest-stats">
        <tbody>
          <tr><td>days</td><td>{b.days.length} (VaR over the {b.window} days before each)</td></tr>
          <tr><td>exceptions</td><td data-testid="backtest-exceptions">{b.exceptions} (expected {fmt(b.days.length * (1 - b.confidence), 1)})</td></tr>
          <tr><td>Kupiec POF p</td><td data-testid="kupiec">{p(b.kupiec_p)}</td></tr>
          <tr><td>Christoffersen independence p</td><td>{p(b.christoffersen_independence_p)}</td></tr>
          <tr><td>Christoffersen conditional coverage p</td><td>{p(b.christoffersen_conditional_p)}</td></tr>
          <tr><td>Basel traffic light</td><td><span className={`light ${b.traffic_light}`} data-testid="traffic-light">{b.traffic_light}</span></td></tr>
          <tr><td>Stressed VaR 99</td><td data-testid="stressed-var">{b.stressed
            ? `${fmt(b.stressed.var_99)} (worst ${b.stressed.window} days of the history: ${b.stressed.start} to ${b.stressed.end})`
            : "history shorter than 250 days"}</td></tr>
        </tbody>
      </table>
    </div>
  );
}
