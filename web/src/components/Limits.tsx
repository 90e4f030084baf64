// Limits and alerts (docs/limits.md): the banner while any limit is breached, the alerts list,
// and the selected node's limits (and those below it) as utilisation bars, with a form that sets
// or removes a limit when the server allows edits (--limits FILE and --token).
import { useEffect, useState } from "react";
import type { LimitEvent, LimitStatus, LimitsResponse } from "../protocol.generated";
import { fmt } from "../format";
import { apiHeaders, barWidth, breached, limitEdit, limitsUnder, MEASURE_LABEL, MEASURES, newestFirst, tone } from "../limits";
import { pageToken } from "../useRiskStream";

const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
const time = (ms: number) => clock.format(ms);

export function AlertBanner({ limits, onSelect }: { limits: LimitStatus[]; onSelect: (p: string) => void }) {
  const now = breached(limits);
  if (now.length === 0) return null;
  return (
    <div className="alert-banner" role="alert" data-testid="alert-banner" data-count={now.length}>
      Limit breach{now.length > 1 ? `es (${now.length})` : ""}:{" "}
      {now.map((l, i) => (
        <span key={`${l.node} ${l.measure}`}>
          {i > 0 && "; "}
          <button type="button" className="link" onClick={() => onSelect(l.node)}>{l.node}</button> {MEASURE_LABEL[l.measure]}{" "}
          {fmt(l.value ?? NaN)} over {fmt(l.limit)} ({fmt((l.utilisation ?? 0) * 100, 1)} %)
        </span>
      ))}
    </div>
  );
}

export function AlertsList({ alerts }: { alerts: LimitEvent[] }) {
  const rows = newestFirst(alerts, 20);
  return (
    <div className="table-wrap" style={{ maxHeight: 200 }}>
      <table className="positions" data-testid="alerts">
        <thead><tr><th>time</th><th>node</th><th>measure</th><th>value</th><th>limit</th><th>event</th></tr></thead>
        <tbody>
          {rows.length === 0 && <tr><td colSpan={6}>no breaches</td></tr>}
          {rows.map((a) => (
            <tr key={`${a.time_ms} ${a.node} ${a.measure} ${a.event}`} data-testid="alert-row" data-event={a.event} data-node={a.node}>
              <td>{time(a.time_ms)}</td><td title={a.node}>{a.node}</td><td>{MEASURE_LABEL[a.measure]}</td>
              <td>{fmt(a.value)}</td><td>{fmt(a.limit)}</td>
              <td className={a.event === "breach" ? "neg" : "pos"}>{a.event}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function UtilisationBar({ l }: { l: LimitStatus }) {
  return (
    <div className="limit-row" data-testid="limit-row" data-node={l.node} data-measure={l.measure} data-breached={l.breached}>
      <span className="limit-name" title={l.node}>{l.node.split("/").pop()} · {MEASURE_LABEL[l.measure]}</span>
      <span className="bar" title={`${fmt(l.value ?? NaN)} of ${fmt(l.limit)}`}>
        <span className={`fill ${tone(l)}`} style={{ width: `${barWidth(l.utilisation)}%` }} />
      </span>
      <span className="limit-use">{l.utilisation === null ? "not in book" : `${fmt(l.utilisation * 100, 1)} %`}</span>
      <span className="limit-of">{fmt(l.limit)}</span>
    </div>
  );
}

/** GET /api/limits once: whether edits are allowed. */
function useEditable(): boolean {
  const [editable, setEditable] = useState(false);
  useEffect(() => {
    const token = pageToken();
    fetch(`/api/limits${token ? `?token=${encodeURIComponent(token)}` : ""}`, { cache: "no-store" })
      .then((r) => (r.ok ? r.json() : null))
      .then((b: LimitsResponse | null) => setEditable(Boolean(b?.editable)))
      .catch(() => setEditable(false));
  }, []);
  return editable;
}

export function LimitsPanel({ limits, node }: { limits: LimitStatus[]; node: string }) {
  const shown = limitsUnder(limits, node);
  const editable = useEditable();
  const [measure, setMeasure] = useState<string>("var_99");
  const [value, setValue] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const save = async () => {
    const e = limitEdit(node, measure, value);
    if ("error" in e) return setMessage(e.error);
    setMessage("saving…");
    try {
      const r = await fetch("/api/limits", { method: "POST", headers: apiHeaders(pageToken()), body: JSON.stringify({ limits: [e.edit] }) });
      setMessage(r.ok ? (e.edit.limit === null ? "removed" : "saved") : `refused: ${(await r.text()).trim()}`);
    } catch (err) {
      setMessage(`not sent: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return (
    <div data-testid="limits">
      {shown.length === 0 && <p className="muted">no limits on this node or below</p>}
      {shown.map((l) => <UtilisationBar key={`${l.node} ${l.measure}`} l={l} />)}
      {editable && (
        <form className="limit-form" data-testid="limit-form" onSubmit={(ev) => { ev.preventDefault(); void save(); }}>
          <span title={node}>{node.split("/").pop()}</span>
          <select aria-label="measure" value={measure} onChange={(ev) => setMeasure(ev.target.value)}>
            {MEASURES.map((m) => <option key={m} value={m}>{MEASURE_LABEL[m]}</option>)}
          </select>
          <input aria-label="limit" placeholder="limit (empty removes)" value={value} onChange={(ev) => setValue(ev.target.value)} />
          <button type="submit">set</button>
          {message && <span className="muted" data-testid="limit-message">{message}</span>}
        </form>
      )}
    </div>
  );
}
