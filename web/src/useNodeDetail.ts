// A view of the selected node from the server (GET /api/node: its detail; /api/backtest: its
// backtest), fetched when the node changes and every `refreshMs` after; the last answer stays
// shown while the next is on its way, an error says why.
import { useEffect, useState } from "react";
import { nodeDetailUrl } from "./nodeDetail";
import type { NodeBacktest, NodeDetail } from "./protocol.generated";
import { pageToken } from "./useRiskStream";

type Views = { node: NodeDetail; backtest: NodeBacktest };

export function useNodeDetail<V extends keyof Views = "node">(path: string, refreshMs = 1000, view?: V): { detail: Views[V] | null; error: string | null } {
  const [state, setState] = useState<{ detail: Views[V] | null; error: string | null }>({ detail: null, error: null });
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ctl = new AbortController();
    setState((s) => (s.detail?.path === path ? s : { detail: null, error: null }));
    const load = () => {
      fetch(nodeDetailUrl(path, pageToken(), view ?? "node"), { cache: "no-store", signal: ctl.signal })
        .then(async (r) => {
          if (!r.ok) throw new Error((await r.text()).trim() || `${r.status} ${r.statusText}`);
          return (await r.json()) as Views[V];
        })
        .then((detail) => !stop && setState({ detail, error: null }))
        .catch((e: unknown) => !stop && setState((s) => ({ ...s, error: e instanceof Error ? e.message : String(e) })))
        .finally(() => { if (!stop) timer = setTimeout(load, refreshMs); });
    };
    load();
    return () => { stop = true; ctl.abort(); clearTimeout(timer); };
  }, [path, refreshMs, view]);
  return state;
}
