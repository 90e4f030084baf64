import { describe, expect, it } from "vitest";
import { apply, backoffMs, expectSnapshot, initialState, patchPositions, percentile, positionRows, type HistoryPoint, type Position, type PositionColumns,
  type PositionRows, type ServerMessage } from "./protocol";
import type { RiskData } from "./protocol.generated"; // as on the wire: positions as columns

const columns = (rows: Position[]): PositionColumns => ({
  node: rows.map((r) => r.node), symbol: rows.map((r) => r.symbol), type: rows.map((r) => r.type), quantity: rows.map((r) => r.quantity),
  price: rows.map((r) => r.price), market_value: rows.map((r) => r.market_value), pnl: rows.map((r) => r.pnl),
  component_var: rows.map((r) => r.component_var), delta: rows.map((r) => r.delta),
});
const position = (node: string, symbol: string, pnl: number): Position =>
  ({ node, symbol, type: "linear", quantity: 10, price: 100, market_value: 1000, pnl, component_var: 1, delta: 1000 });

const data = (over: Partial<RiskData> = {}): RiskData => ({
  total_pnl: 1, market_value: 2, gross_exposure: 3, net_exposure: 4, net_delta: 5, positions_count: 2, var_99: 10,
  es_975: 12, scenarios: 500, ticks_total: 0, var_methods: { historical: 10, gaussian: 9, cornish_fisher: 11, ewma: 12, filtered_historical: null, age_weighted: 13 }, positions: columns([]), greeks: [],
  stress: [], grid: { spot: [], vol: [], pnl: [] }, server: { publish_ms: 100, heartbeat_ms: 5000, history_points: 600 },
  history: [[0, 1, 10]], limits: [], alerts: [], factors: [],
  explain: { since_us: 0, path: ["FIRM"], actual: [1], delta: [1], gamma: [0], vega: [0], theta: [0], trading: [0], unexplained: [0] },
  nodes: [{ path: "FIRM", parent: null, depth: 0, positions_count: 2, market_value: 2, pnl: 1, net_delta: 5, gross_exposure: 3, vega: 0,
    theta: 0, var_99: 10, es_975: 12, component_var: 10, top_contributors: [] }],
  ...over,
});
// A snapshot without `instance` stands for an older server's.
const snap = (seq: number, d = data(), instance?: string): ServerMessage =>
  ({ type: "snapshot", seq, event_time: 1_000_000, send_time: 1_000_500, data: d, ...(instance === undefined ? {} : { instance }) }) as ServerMessage;
const delta = (seq: number, base: number,
  changes: Partial<Omit<RiskData, "history">> & { history_append?: HistoryPoint[]; positions_rows?: PositionRows } = {}): ServerMessage =>
  ({ type: "delta", seq, base, event_time: 0, send_time: 0, changes: { history_append: [], ...changes } });

describe("protocol state machine", () => {
  it("takes a snapshot, then applies deltas on their base", () => {
    let s = apply(initialState(), snap(5), 1001).state;
    expect(s.seq).toBe(5);
    const r = apply(s, { type: "delta", seq: 6, base: 5, event_time: 2_000_000, send_time: 0, changes: { var_99: 11, history_append: [[1, 2, 11]] } }, 2003);
    expect(r.resync).toBe(false);
    s = r.state;
    expect(s.seq).toBe(6);
    expect(s.data?.var_99).toBe(11);
    expect(s.data?.es_975).toBe(12); // unchanged fields are kept
    expect(s.data?.history).toHaveLength(2);
    expect(s.latencyMs.at(-1)).toBe(3); // 2003 ms - 2,000,000 us
    expect(s.snapshots).toBe(1); // deltas are not snapshots
  });

  it("applies a refresh that repeats the event time but takes no latency sample from it", () => {
    const s = apply(initialState(), snap(5), 1001).state; // event time 1,000,000 us
    const rows = [position("FIRM/A", "DAX", 7)];
    const r = apply(s, { type: "delta", seq: 6, base: 5, event_time: 1_000_000, send_time: 0,
      changes: { positions: columns(rows), history_append: [[1000, 1, 10]] } }, 1090);
    expect(r.resync).toBe(false);
    expect(r.state.seq).toBe(6);
    expect(r.state.data?.positions.map((p) => p.pnl)).toEqual([7]);
    expect(r.state.latencyMs).toEqual(s.latencyMs); // 90 ms after the tick, but not the tick's latency
    expect(r.state.data?.history).toHaveLength(2); // a publication like any other otherwise
    // A resync answered with a snapshot of the same event time (an idle feed) takes no sample either.
    const again = apply(expectSnapshot(r.state), snap(7), 60_000).state;
    expect(again.seq).toBe(7);
    expect(again.latencyMs).toEqual(s.latencyMs);
  });

  it("asks for a resync on a sequence gap and keeps its state", () => {
    const s = apply(initialState(), snap(5), 0).state;
    const r = apply(s, { type: "delta", seq: 8, base: 7, event_time: 0, send_time: 0, changes: { var_99: 99, history_append: [] } }, 0);
    expect(r.resync).toBe(true);
    expect(r.state.data?.var_99).toBe(10);
    expect(apply(initialState(), { type: "delta", seq: 1, base: 0, event_time: 0, send_time: 0, changes: { history_append: [] } }, 0).resync).toBe(true);
  });

  it("bounds the history window to the server's history_points", () => {
    const short = data({ server: { publish_ms: 100, heartbeat_ms: 5000, history_points: 3 }, history: [[0, 0, 0], [1, 0, 0], [2, 0, 0]] });
    const t = apply(initialState(), snap(1, short), 0).state;
    expect(apply(t, delta(2, 1, { history_append: [[3, 0, 0]] }), 0).state.data?.history.map((p) => p[0])).toEqual([1, 2, 3]);
  });

  it("bounds the history window", () => {
    const hist = Array.from({ length: 600 }, (_, i) => [i, 0, 0] as [number, number, number]);
    const s = apply(initialState(), snap(1, data({ history: hist })), 0).state;
    const r = apply(s, { type: "delta", seq: 2, base: 1, event_time: 0, send_time: 0, changes: { history_append: [[600, 0, 0]] } }, 0);
    expect(r.state.data?.history).toHaveLength(600);
    expect(r.state.data?.history[0][0]).toBe(1);
  });

  it("heartbeats only refresh liveness", () => {
    const s = apply(initialState(), snap(3), 0).state;
    const r = apply(s, { type: "heartbeat", send_time: 0 }, 5000);
    expect(r.state.seq).toBe(3);
    expect(r.state.lastUpdate).toBe(5000);
  });
});

describe("server instances and snapshot order", () => {
  it("treats a snapshot from a new server instance as a fresh start, even with a lower seq", () => {
    let s = apply(initialState(), snap(500, data(), "a"), 1001).state;
    s = apply(s, delta(501, 500, { var_99: 20 }), 1002).state;
    expect(s.latencyMs).toHaveLength(2);
    const r = apply(s, snap(1, data({ var_99: 7, history: [[9, 9, 7]] }), "b"), 3000);
    expect(r.resync).toBe(false);
    expect(r.state.seq).toBe(1);
    expect(r.state.instance).toBe("b");
    expect(r.state.data?.var_99).toBe(7);
    expect(r.state.data?.history).toEqual([[9, 9, 7]]);
    expect(r.state.latencyMs).toEqual([3000 - 1000]); // samples of the old process are dropped
    // ...and deltas of the new instance apply on its seq.
    expect(apply(r.state, delta(2, 1, { var_99: 8 }), 3001).state.data?.var_99).toBe(8);
  });

  it("ignores a snapshot that is not newer on the same instance when it asked for none", () => {
    const s = apply(initialState(), snap(10, data(), "a"), 0).state;
    for (const old of [snap(10, data({ var_99: 1 }), "a"), snap(4, data({ var_99: 1 }), "a"), snap(4, data({ var_99: 1 }))]) {
      const r = apply(s, old, 50);
      expect(r.resync).toBe(false);
      expect(r.state.seq).toBe(10);
      expect(r.state.data?.var_99).toBe(10);
      expect(r.state.lastUpdate).toBe(0); // an ignored message does not make the numbers look current
      expect(r.state.snapshots).toBe(1); // nor counts as a snapshot taken
    }
    expect(apply(s, snap(11, data({ var_99: 3 }), "a"), 0).state.data?.var_99).toBe(3); // newer: taken
  });

  it("accepts a not-newer snapshot after it asked for a resync", () => {
    const s = apply(initialState(), snap(10), 0).state;
    const gap = apply(s, delta(13, 12), 0);
    expect(gap.resync).toBe(true);
    expect(gap.state.awaitingSnapshot).toBe(true);
    const r = apply(gap.state, snap(10, data({ var_99: 5 })), 0);
    expect(r.state.data?.var_99).toBe(5);
    expect(r.state.awaitingSnapshot).toBe(false);
    expect(r.state.snapshots).toBe(2); // a snapshot after a gap: the charts refetch their history
  });

  it("accepts a not-newer snapshot on a new connection (an older server without instance restarted)", () => {
    const s = apply(initialState(), snap(900), 0).state;
    expect(s.instance).toBeNull();
    const r = apply(expectSnapshot(s), snap(1, data({ var_99: 2 })), 0);
    expect(r.state.seq).toBe(1);
    expect(r.state.data?.var_99).toBe(2);
    // once taken, the next old snapshot on that connection is ignored again
    expect(apply(r.state, snap(1, data({ var_99: 3 })), 0).state.data?.var_99).toBe(2);
  });
});

describe("reconnect backoff", () => {
  it("grows exponentially with jitter and is capped", () => {
    expect(backoffMs(0, () => 0)).toBe(125);
    expect(backoffMs(0, () => 1)).toBe(250);
    expect(backoffMs(3, () => 1)).toBe(2000);
    expect(backoffMs(30, () => 1)).toBe(10_000);
    for (let a = 0; a < 10; a++) {
      const d = backoffMs(a);
      const cap = Math.min(10_000, 250 * 2 ** a);
      expect(d).toBeGreaterThanOrEqual(cap / 2);
      expect(d).toBeLessThanOrEqual(cap);
    }
  });
});

describe("percentile", () => {
  it("interpolates linearly like numpy", () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([3, 1, 2, 4, 5, 6, 7, 8, 9, 10], 0.99)).toBeCloseTo(9.91, 12);
  });
});

describe("positions: columns on the wire, rows in the client, deltas of the changed rows", () => {
  const a = position("FIRM/A", "DAX", 1), b = position("FIRM/A", "SMI", 2), c = position("FIRM/B", "CAC", 3);
  // the changed rows' values; node, symbol and type only for appended rows (none unless given)
  const rows = (r: Partial<PositionRows> & { index: number[]; count: number }, values: Position[]): PositionRows =>
    ({ ...columns(values), node: [], symbol: [], type: [], ...r });

  it("turns a snapshot's columns into rows", () => {
    const s = apply(initialState(), snap(1, data({ positions: columns([a, b, c]) })), 0).state;
    expect(s.data?.positions).toEqual([a, b, c]);
  });

  it("patches only the changed rows, keeps the others as they were, and appends new rows", () => {
    let s = apply(initialState(), snap(1, data({ positions: columns([a, b, c]) })), 0).state;
    const before = s.data!.positions;
    const b2 = { ...b, pnl: 20, price: 101 };
    s = apply(s, delta(2, 1, { positions_rows: rows({ index: [1], count: 3 }, [b2]) }), 0).state;
    expect(s.data?.positions).toEqual([a, b2, c]);
    expect(s.data?.positions[0]).toBe(before[0]); // unchanged rows are the same objects (React skips them)
    expect(s.data?.positions[2]).toBe(before[2]);
    const d = position("FIRM/C", "FTSE", 4), c2 = { ...c, pnl: 30 };
    const r = apply(s, delta(3, 2, { positions_rows: { ...rows({ index: [2, 3], count: 4 }, [c2, d]), node: [d.node], symbol: [d.symbol], type: [d.type] } }), 0);
    expect(r.resync).toBe(false);
    expect(r.state.data?.positions).toEqual([a, b2, c2, d]);
  });

  it("takes whole columns in a delta (a catch-up) instead of rows", () => {
    let s = apply(initialState(), snap(1, data({ positions: columns([a]) })), 0).state;
    s = apply(s, delta(2, 1, { positions: columns([a, b]) }), 0).state;
    expect(s.data?.positions).toEqual([a, b]);
  });

  it("asks for a snapshot when rows do not fit what it holds, and keeps what it holds", () => {
    const s = apply(initialState(), snap(1, data({ positions: columns([a, b]) })), 0).state;
    const bad: PositionRows[] = [
      rows({ index: [5], count: 2 }, [a]),                  // a row beyond the count
      rows({ index: [1, 0], count: 2 }, [a, b]),            // not ascending
      rows({ index: [0], count: 1 }, [a]),                  // fewer rows than held
      rows({ index: [0], count: 3 }, [a]),                  // a row appended but not listed
      { ...rows({ index: [0, 1], count: 2 }, [a, b]), pnl: [1] }, // a column of the wrong length
    ];
    for (const r of bad) {
      const out = apply(s, delta(2, 1, { positions_rows: r }), 0);
      expect(out.resync).toBe(true);
      expect(out.state.data?.positions).toEqual([a, b]);
      expect(out.state.seq).toBe(1);
    }
    expect(positionRows({ ...columns([a, b]), pnl: [1] })).toBeNull();
    expect(patchPositions([a], rows({ index: [], count: 1 }, []))).toEqual([a]);
  });
});
