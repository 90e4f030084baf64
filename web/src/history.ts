// The charts' history as pure functions: the GET /api/history request a range needs, and one series
// made of the fetched points and the live stream's points (data.history, history_append). Times in
// ms since the epoch on the server's wall clock (HistoryPoint[0]); steps in seconds. A point is
// [time_ms, pnl, var_99]; with a step > 0 its time is the start of its bucket (epoch-aligned) and its
// values the last ones in it, as the server answers.
import type { HistoryPoint, HistoryResponse } from "./protocol";

export type Preset = "5m" | "1h" | "1d";
export type Range = { kind: Preset } | { kind: "custom"; fromMs: number; toMs: number };
export interface Window {
  fromMs: number;
  toMs: number;
}

export const PRESETS: Record<Preset, { label: string; spanMs: number }> = {
  "5m": { label: "5 min", spanMs: 5 * 60_000 },
  "1h": { label: "1 h", spanMs: 3_600_000 },
  "1d": { label: "1 day", spanMs: 86_400_000 },
};

const STEPS = [1, 5, 10, 15, 30, 60, 300, 900, 3600, 21600, 86400];
const TARGET_POINTS = 1500; // per request; the server refuses more than 100,000
const MAX_RAW_POINTS = 3000; // raw points while the window holds at most this many publications

/** The instants a range covers: a preset ends at `nowMs` and slides with it; a custom range is fixed. */
export function windowOf(range: Range, nowMs: number): Window {
  return range.kind === "custom" ? { fromMs: range.fromMs, toMs: range.toMs } : { fromMs: nowMs - PRESETS[range.kind].spanMs, toMs: nowMs };
}

/**
 * Seconds per point for a window of `spanMs`: 0 (raw) while it holds at most 3000 publications of
 * `publishMs`, else span / 1500 rounded up to one of STEPS. At 10 Hz: 5 min -> 0, 1 h -> 5, 1 day -> 60.
 */
export function stepFor(spanMs: number, publishMs = 100): number {
  if (spanMs / publishMs <= MAX_RAW_POINTS) return 0;
  const s = spanMs / 1000 / TARGET_POINTS;
  return STEPS.find((x) => x >= s) ?? STEPS[STEPS.length - 1];
}

/** The request for one node's history over a window; `token` as the page's ?token= (docs/security.md). */
export function historyUrl(node: string, win: Window, step: number, token?: string | null): string {
  const q = new URLSearchParams({ node, from: new Date(win.fromMs).toISOString(), to: new Date(win.toMs).toISOString(), step: String(step) });
  if (token) q.set("token", token);
  return `/api/history?${q}`;
}

/** Checks the parts of an answer the charts rely on; throws on anything else. */
export function parseHistory(body: unknown): HistoryResponse {
  const r = body as Partial<HistoryResponse> | null;
  const columns = r?.columns as string[] | undefined;
  if (!r || !Array.isArray(r.points) || !Array.isArray(columns) || !["time_ms", "pnl", "var_99"].every((c) => columns.includes(c)) ||
      !r.points.every(Array.isArray) || typeof r.step !== "number" || r.step < 0 || typeof r.source !== "string") {
    throw new Error("malformed answer");
  }
  return r as HistoryResponse;
}

/** Why a fetch failed, for the page: "503 Service Unavailable: no risk computed yet" (the first line of a text body). */
export function failure(status: number, statusText: string, body = ""): string {
  const line = body.trim().split("\n")[0].slice(0, 160);
  return [`${status} ${statusText}`.trim(), line].filter(Boolean).join(": ");
}

/** An answer's points as HistoryPoints, by column name, oldest first, one per time (the last). */
export function historyPoints(r: HistoryResponse): HistoryPoint[] {
  const [t, pnl, v] = (["time_ms", "pnl", "var_99"] as const).map((c) => r.columns.indexOf(c));
  const rows = r.points.map((p): HistoryPoint => [p[t], p[pnl], p[v]]).sort((a, b) => a[0] - b[0]);
  return rows.filter((p, i) => i + 1 === rows.length || rows[i + 1][0] !== p[0]);
}

/**
 * The series to show: the points of `base` (sorted) within the window, then the `live` points
 * (sorted) newer than base's last and not past the window's end, one point each (step 0) or folded
 * into their bucket of `step` seconds. The start is the bucket of `win.fromMs`, so a bucketed
 * answer keeps its first point. Sorted, one point per time.
 */
export function mergeLive(base: HistoryPoint[], live: HistoryPoint[], step: number, win: Window): HistoryPoint[] {
  const stepMs = step * 1000;
  const bucket = (t: number) => (stepMs > 0 ? Math.floor(t / stepMs) * stepMs : t);
  const from = bucket(win.fromMs);
  const out = base.filter((p) => p[0] >= from && p[0] <= win.toMs);
  const last = base.length ? base[base.length - 1][0] : -Infinity;
  for (const p of live) {
    if (p[0] <= last || p[0] < from || p[0] > win.toMs) continue;
    const t = bucket(p[0]);
    const tail = out[out.length - 1];
    if (tail && t <= tail[0]) out[out.length - 1] = [tail[0], p[1], p[2]]; // same bucket (or time): the last values win
    else out.push([t, p[1], p[2]]);
  }
  return out;
}

/** The charts' state: the range, and the series shown with the step and source of its fetched part. */
export interface HistoryState {
  range: Range;
  win: Window; // the window at the last update
  step: number; // of `points`: 0 until a fetch with a step answers
  points: HistoryPoint[];
  live: HistoryPoint[]; // the stream's latest data.history
  source: HistoryResponse["source"] | null; // of the fetch in `points`, null if none
  error: string | null; // why the last fetch failed, null after a success
}

export type HistoryAction =
  | { type: "live"; live: HistoryPoint[]; nowMs: number } // the stream's history changed
  | { type: "range"; range: Range; nowMs: number } // a new range: its live points until its fetch answers
  | { type: "loaded"; response: HistoryResponse; nowMs: number } // the current range's fetch answered
  | { type: "failed"; error: string }; // it failed: the points shown stay and keep growing

export const initialHistory = (range: Range = { kind: "5m" }, nowMs = 0): HistoryState =>
  ({ range, win: windowOf(range, nowMs), step: 0, points: [], live: [], source: null, error: null });

// A preset ends at the later of the client's clock and the newest live point, so that a server
// clock ahead of the client's hides no point.
const windowAt = (range: Range, nowMs: number, live: HistoryPoint[]): Window =>
  windowOf(range, Math.max(nowMs, live.length ? live[live.length - 1][0] : -Infinity));

export function historyReduce(s: HistoryState, a: HistoryAction): HistoryState {
  switch (a.type) {
    case "live": {
      const win = windowAt(s.range, a.nowMs, a.live);
      return { ...s, live: a.live, win, points: mergeLive(s.points, a.live, s.step, win) };
    }
    case "range": {
      const win = windowAt(a.range, a.nowMs, s.live);
      return { ...s, range: a.range, win, step: 0, points: mergeLive([], s.live, 0, win), source: null, error: null };
    }
    case "loaded": {
      const win = windowAt(s.range, a.nowMs, s.live);
      const { step, source } = a.response;
      return { ...s, win, step, source, error: null, points: mergeLive(historyPoints(a.response), s.live, step, win) };
    }
    case "failed":
      return { ...s, error: a.error };
  }
}

/** A datetime-local input's value (local time, minutes) for an instant, and back (NaN if empty or invalid). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return new Date(ms - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}
export const fromLocalInput = (value: string): number => (value ? new Date(value).getTime() : NaN);
