// The charts' history of one node: fetched from GET /api/history for the chosen range when mounted
// (the first snapshot), on a range change and on every later snapshot (a reconnect or a resync may
// follow a gap), then extended with the live stream's points (history.ts). A failed fetch keeps
// the points shown and says why in `error`.
import { useCallback, useEffect, useReducer } from "react";
import { failure, historyReduce, historyUrl, initialHistory, parseHistory, stepFor, windowOf, type HistoryAction, type HistoryState, type Range } from "./history";
import type { HistoryPoint } from "./protocol";
import { pageToken } from "./useRiskStream";

export function useHistory(node: string, live: HistoryPoint[], snapshots: number, publishMs: number): [HistoryState, (r: Range) => void] {
  const [s, dispatch] = useReducer(historyReduce, null, () => historyReduce(initialHistory(), { type: "live", live, nowMs: Date.now() }));

  useEffect(() => dispatch({ type: "live", live, nowMs: Date.now() }), [live]);

  useEffect(() => {
    const win = windowOf(s.range, Date.now());
    const step = stepFor(win.toMs - win.fromMs, publishMs);
    const ctl = new AbortController();
    const done = (a: HistoryAction) => ctl.signal.aborted || dispatch(a); // a later request superseded this one
    fetch(historyUrl(node, win, step, pageToken()), { signal: ctl.signal, cache: "no-store" })
      .then(async (r) => {
        if (!r.ok) throw new Error(failure(r.status, r.statusText, await r.text().catch(() => "")));
        return parseHistory(await r.json());
      })
      .then((response) => done({ type: "loaded", response, nowMs: Date.now() }))
      .catch((e: unknown) => done({ type: "failed", error: e instanceof Error ? e.message : String(e) }));
    return () => ctl.abort();
  }, [node, s.range, snapshots, publishMs]);

  const setRange = useCallback((range: Range) => dispatch({ type: "range", range, nowMs: Date.now() }), []);
  return [s, setRange];
}
