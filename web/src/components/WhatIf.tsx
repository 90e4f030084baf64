// The what-if panel (POST /api/whatif, docs/limits.md): a trade at a node of the book, sent as it
// is typed (after a 250 ms pause); the answer shows every node it touches up to the root, VaR 99
// and ES 97.5 before and after, and the limits it would breach.
import { useEffect, useReducer, useRef, useState } from "react";
import type { WhatIfResponse } from "../protocol.generated";
import { fmt } from "../format";
import { apiHeaders, MEASURE_LABEL } from "../limits";
import { pageToken } from "../useRiskStream";
import { initialWhatIf, tradeOf, whatIfReduce, type TradeForm } from "../whatif";

export function WhatIfPanel({ node, nodes, symbols }: { node: string; nodes: string[]; symbols: string[] }) {
  const [form, setForm] = useState<TradeForm>({ node, symbol: symbols[0] ?? "", quantity: "", price: "" });
  const [s, dispatch] = useReducer(whatIfReduce, initialWhatIf);
  const next = useRef(0);
  useEffect(() => setForm((f) => ({ ...f, node })), [node]);
  useEffect(() => setForm((f) => (f.symbol || !symbols[0] ? f : { ...f, symbol: symbols[0] })), [symbols]);
  const checked = tradeOf(form);
  const body = checked && "trade" in checked ? JSON.stringify({ trades: [checked.trade] }) : null;
  useEffect(() => {
    if (!body) return dispatch({ type: "clear" });
    const id = ++next.current;
    const timer = setTimeout(() => {
      dispatch({ type: "sent", id });
      fetch("/api/whatif", { method: "POST", headers: apiHeaders(pageToken()), body })
        .then(async (r) => {
          if (!r.ok) throw new Error((await r.text()).trim() || `${r.status} ${r.statusText}`);
          dispatch({ type: "answer", id, answer: (await r.json()) as WhatIfResponse });
        })
        .catch((e: unknown) => dispatch({ type: "failed", id, error: e instanceof Error ? e.message : String(e) }));
    }, 250);
    return () => clearTimeout(timer);
  }, [body]);
  const set = (k: keyof TradeForm) => (ev: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: ev.target.value }));
  return (
    <div data-testid="what-if">
      <form className="what-if-form" onSubmit={(ev) => ev.preventDefault()}>
        <input aria-label="node" list="what-if-nodes" value={form.node} onChange={set("node")} size={28} />
        <datalist id="what-if-nodes">{nodes.map((n) => <option key={n} value={n} />)}</datalist>
        <select aria-label="symbol" value={form.symbol} onChange={set("symbol")}>
          {symbols.map((x) => <option key={x} value={x}>{x}</option>)}
        </select>
        <input aria-label="quantity" placeholder="quantity (+buy / -sell)" value={form.quantity} onChange={set("quantity")} size={12} />
        <input aria-label="price" placeholder="price (default: now)" value={form.price} onChange={set("price")} size={12} />
        {s.pending && <span className="muted">…</span>}
      </form>
      {checked && "error" in checked && <p className="neg" data-testid="what-if-error">{checked.error}</p>}
      {body && s.error && <p className="neg" data-testid="what-if-error">{s.error}</p>}
      {body && s.answer && !s.error && (
        <table className="positions" data-testid="what-if-answer">
          <thead><tr><th>node</th><th>VaR 99 before</th><th>after</th><th>change</th><th>ES 97.5 before</th><th>after</th><th>breaches</th></tr></thead>
          <tbody>
            {s.answer.nodes.map((n) => (
              <tr key={n.path} data-testid="what-if-row" data-path={n.path} data-var-after={n.var_99_after}>
                <td title={n.path}>{n.path}{n.exists ? "" : " (new)"}</td>
                <td>{fmt(n.var_99_before)}</td><td>{fmt(n.var_99_after)}</td>
                <td className={n.var_99_after > n.var_99_before ? "neg" : "pos"}>{fmt(n.var_99_after - n.var_99_before)}</td>
                <td>{fmt(n.es_975_before)}</td><td>{fmt(n.es_975_after)}</td>
                <td className={n.breaches.length ? "neg" : ""}>
                  {n.breaches.map((b) => `${MEASURE_LABEL[b.measure]} ${fmt(b.utilisation * 100, 1)} %`).join(", ")}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
