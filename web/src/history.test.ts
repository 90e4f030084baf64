import { describe, expect, it } from "vitest";
import {
  failure, fromLocalInput, historyPoints, historyReduce, historyUrl, initialHistory, mergeLive, parseHistory, PRESETS, stepFor, toLocalInput,
  windowOf, type HistoryState,
} from "./history";
import type { HistoryPoint, HistoryResponse } from "./protocol";

const T0 = Date.UTC(2026, 10, 26, 7, 0, 0); // 2026-11-26T07:00:00.000Z
const MIN = 60_000;
const COLUMNS: HistoryResponse["columns"] = ["time_ms", "pnl", "var_99", "es_975", "gross_exposure", "net_delta"];
const answer = (points: number[][], over: Partial<HistoryResponse> = {}): HistoryResponse =>
  ({ node: "FIRM", from: "", to: "", step: 0, source: "raw", columns: COLUMNS, points: points.map((p) => [...p, 0, 0, 0]) as HistoryResponse["points"], ...over });
const times = (ps: HistoryPoint[]) => ps.map((p) => p[0]);

describe("the request for a range", () => {
  it("chooses raw points for 5 min, 5 s for 1 h, 60 s for 1 day at 10 Hz", () => {
    expect(stepFor(PRESETS["5m"].spanMs)).toBe(0);
    expect(stepFor(PRESETS["1h"].spanMs)).toBe(5);
    expect(stepFor(PRESETS["1d"].spanMs)).toBe(60);
  });

  it("rounds span / 1500 up to a step of the list, at most a day", () => {
    expect(stepFor(30 * MIN)).toBe(5); // 1.2 s
    expect(stepFor(6 * 60 * MIN)).toBe(15); // 14.4 s
    expect(stepFor(7 * 86_400_000)).toBe(900); // 403 s
    expect(stepFor(90 * 86_400_000)).toBe(21600); // 5184 s
    expect(stepFor(10 * 365 * 86_400_000)).toBe(86400);
    expect(stepFor(1500 * 60_000)).toBe(60); // exactly 60 s: not rounded further up
  });

  it("takes raw points only while they stay few at the server's publication rate", () => {
    expect(stepFor(5 * MIN, 1000)).toBe(0); // 1 Hz: 300 points
    expect(stepFor(5 * MIN, 10)).toBe(1); // 100 Hz: 30,000 raw points would be too many
    expect(stepFor(4 * 60 * MIN, 10_000)).toBe(0); // 0.1 Hz: 1440 points over 4 h
  });

  it("names the node, the window as ISO instants and the step, and passes a token", () => {
    const url = historyUrl("FIRM/Rates desk", { fromMs: T0, toMs: T0 + 5 * MIN }, 5);
    const [path, query] = url.split("?");
    expect(path).toBe("/api/history");
    const q = new URLSearchParams(query);
    expect(q.get("node")).toBe("FIRM/Rates desk");
    expect(q.get("from")).toBe("2026-11-26T07:00:00.000Z");
    expect(q.get("to")).toBe("2026-11-26T07:05:00.000Z");
    expect(q.get("step")).toBe("5");
    expect(q.has("token")).toBe(false);
    expect(new URLSearchParams(historyUrl("FIRM", { fromMs: T0, toMs: T0 + 1 }, 0, "a&b=c").split("?")[1]).get("token")).toBe("a&b=c");
  });

  it("ends a preset now and keeps a custom range fixed", () => {
    expect(windowOf({ kind: "1h" }, T0)).toEqual({ fromMs: T0 - 60 * MIN, toMs: T0 });
    expect(windowOf({ kind: "1d" }, T0).fromMs).toBe(T0 - 1440 * MIN);
    expect(windowOf({ kind: "custom", fromMs: 1, toMs: 2 }, T0)).toEqual({ fromMs: 1, toMs: 2 });
  });
});

describe("the answer", () => {
  it("is read by column name, sorted, one point per time", () => {
    const r = answer([], {
      columns: ["pnl", "time_ms", "var_99", "es_975", "gross_exposure", "net_delta"] as unknown as HistoryResponse["columns"],
      points: [[-1, 300, 9, 0, 0, 0], [-2, 100, 8, 0, 0, 0], [-3, 300, 7, 0, 0, 0]],
    });
    expect(historyPoints(r)).toEqual([[100, -2, 8], [300, -3, 7]]);
  });

  it("is refused when the charts could not read it", () => {
    expect(parseHistory(answer([[1, 2, 3]]))).toBeTruthy();
    for (const bad of [null, "x", {}, { ...answer([]), points: null }, { ...answer([]), columns: ["time_ms"] }, { ...answer([]), points: [null] },
      { ...answer([]), step: "5" }]) {
      expect(() => parseHistory(bad)).toThrow("malformed answer");
    }
  });

  it("explains a failure with the status and the first line of the body", () => {
    expect(failure(400, "Bad Request", "step: '-1' is not an integer >= 0\nmore")).toBe("400 Bad Request: step: '-1' is not an integer >= 0");
    expect(failure(503, "")).toBe("503");
  });
});

describe("fetched and live points", () => {
  const win = { fromMs: 0, toMs: 10_000 };

  it("appends the live points newer than the last fetched one, without duplicates", () => {
    const fetched: HistoryPoint[] = [[1000, 1, 10], [2000, 2, 20], [3000, 3, 30]];
    const live: HistoryPoint[] = [[2000, 9, 9], [2500, 9, 9], [3000, 9, 9], [4000, 4, 40], [4000, 5, 50], [5000, 6, 60]];
    const out = mergeLive(fetched, live, 0, win);
    expect(out).toEqual([[1000, 1, 10], [2000, 2, 20], [3000, 3, 30], [4000, 5, 50], [5000, 6, 60]]);
    expect(mergeLive(out, live, 0, win)).toEqual(out); // merging the same live window again adds nothing
    expect(fetched).toHaveLength(3); // inputs are not modified
  });

  it("shows only the live points when nothing was fetched", () => {
    expect(times(mergeLive([], [[10, 0, 0], [20, 0, 0]], 0, win))).toEqual([10, 20]);
  });

  it("drops the points that slid out of a live window", () => {
    const pts: HistoryPoint[] = [[1000, 1, 1], [2000, 2, 2], [3000, 3, 3]];
    expect(times(mergeLive(pts, [[4000, 4, 4]], 0, { fromMs: 2000, toMs: 4000 }))).toEqual([2000, 3000, 4000]);
    expect(times(mergeLive(pts, [[1500, 0, 0], [3500, 0, 0]], 0, { fromMs: 2500, toMs: 9000 }))).toEqual([3000, 3500]);
  });

  it("appends nothing past the end of a custom range", () => {
    expect(times(mergeLive([[1000, 1, 1]], [[1500, 0, 0], [2500, 0, 0]], 0, { fromMs: 0, toMs: 2000 }))).toEqual([1000, 1500]);
  });

  it("folds live points into buckets of the step: the bucket's start, the last values", () => {
    const fetched: HistoryPoint[] = [[0, 1, 10], [5000, 2, 20]]; // step 5 s
    const live: HistoryPoint[] = [[4900, 9, 9], [6000, 3, 30], [9900, 4, 40], [10_100, 5, 50], [12_000, 6, 60]];
    expect(mergeLive(fetched, live, 5, { fromMs: 0, toMs: 20_000 })).toEqual([[0, 1, 10], [5000, 4, 40], [10_000, 6, 60]]);
  });

  it("keeps the bucket that holds the window's start", () => {
    expect(times(mergeLive([[0, 1, 1], [5000, 2, 2], [10_000, 3, 3]], [], 5, { fromMs: 7000, toMs: 20_000 }))).toEqual([5000, 10_000]);
  });
});

describe("the charts' state", () => {
  const live = (from: number, to: number, every = 100): HistoryPoint[] =>
    Array.from({ length: Math.floor((to - from) / every) + 1 }, (_, i) => [from + i * every, i, 1000 + i]);
  const start = (range = { kind: "5m" } as const): HistoryState => initialHistory(range, T0);

  it("fills from the answer, then keeps appending the stream's points", () => {
    let s = historyReduce(start(), { type: "live", live: live(T0 - 1000, T0), nowMs: T0 });
    expect(s.points).toHaveLength(11);
    const fetched = answer([[T0 - 4 * MIN, 0, 0], [T0 - 3 * MIN, 0, 0], [T0 - 500, 0, 0]]);
    s = historyReduce(s, { type: "loaded", response: fetched, nowMs: T0 + 50 });
    expect(s.source).toBe("raw");
    expect(times(s.points)).toEqual([T0 - 4 * MIN, T0 - 3 * MIN, T0 - 500, T0 - 400, T0 - 300, T0 - 200, T0 - 100, T0]);
    s = historyReduce(s, { type: "live", live: live(T0 - 900, T0 + 100), nowMs: T0 + 100 });
    expect(times(s.points).slice(-2)).toEqual([T0, T0 + 100]);
    // A minute and a half later the oldest fetched point has left the 5-minute window.
    s = historyReduce(s, { type: "live", live: live(T0 + 90_000, T0 + 90_000), nowMs: T0 + 90_000 });
    expect(s.points[0][0]).toBe(T0 - 3 * MIN);
    expect(s.win).toEqual({ fromMs: T0 + 90_000 - 5 * MIN, toMs: T0 + 90_000 });
  });

  it("keeps the points and appends live ones after a failed fetch", () => {
    let s = historyReduce(start(), { type: "live", live: live(T0, T0 + 200), nowMs: T0 + 200 });
    s = historyReduce(s, { type: "failed", error: "503 Service Unavailable" });
    expect(s.error).toBe("503 Service Unavailable");
    expect(s.points).toHaveLength(3);
    s = historyReduce(s, { type: "live", live: live(T0, T0 + 300), nowMs: T0 + 300 });
    expect(s.points).toHaveLength(4);
  });

  it("shows live points in a new range until its answer, bucketed by the answer's step", () => {
    let s = historyReduce(start(), { type: "loaded", response: answer([[T0 - 4 * MIN, 0, 0]]), nowMs: T0 });
    s = historyReduce(s, { type: "live", live: live(T0 + 1000, T0 + 2000), nowMs: T0 + 2000 });
    s = historyReduce(s, { type: "range", range: { kind: "1h" }, nowMs: T0 + 2000 });
    expect(s.source).toBeNull();
    expect(s.points).toHaveLength(11); // the live window only
    s = historyReduce(s, { type: "loaded", response: answer([[T0 - 30 * MIN, 1, 1], [T0, 2, 2]], { step: 5, source: "1m" }), nowMs: T0 + 2000 });
    expect(s.step).toBe(5);
    expect(s.points).toEqual([[T0 - 30 * MIN, 1, 1], [T0, 10, 1010]]); // live points up to T0 + 2 s fold into the bucket at T0
  });

  it("lets a preset end at the newest live point when the server's clock is ahead", () => {
    const s = historyReduce(start(), { type: "live", live: live(T0 + 5000, T0 + 5000), nowMs: T0 });
    expect(s.points).toHaveLength(1);
    expect(s.win.toMs).toBe(T0 + 5000);
  });
});

describe("datetime-local values", () => {
  it("round-trip at minute precision in local time", () => {
    const ms = T0 + 17 * MIN + 42_123;
    expect(toLocalInput(ms)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    expect(fromLocalInput(toLocalInput(ms))).toBe(T0 + 17 * MIN);
    expect(fromLocalInput("")).toBeNaN();
  });
});
