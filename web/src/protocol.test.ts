import { describe, expect, it } from "vitest";
import { apply, backoffMs, initialState, percentile, type RiskData, type ServerMessage } from "./protocol";

const data = (over: Partial<RiskData> = {}): RiskData => ({
  total_pnl: 1, market_value: 2, gross_exposure: 3, net_exposure: 4, net_delta: 5, positions_count: 2, var_99: 10,
  es_975: 12, scenarios: 500, ticks_total: 0, var_methods: {}, positions: [], greeks: [], stress: [],
  grid: { spot: [], vol: [], pnl: [] }, history: [[0, 1, 10]], ...over,
});
const snap = (seq: number, d = data()): ServerMessage => ({ type: "snapshot", seq, event_time: 1_000_000, send_time: 1_000_500, data: d });

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
  });

  it("asks for a resync on a sequence gap and keeps its state", () => {
    const s = apply(initialState(), snap(5), 0).state;
    const r = apply(s, { type: "delta", seq: 8, base: 7, event_time: 0, send_time: 0, changes: { var_99: 99 } }, 0);
    expect(r.resync).toBe(true);
    expect(r.state.data?.var_99).toBe(10);
    expect(apply(initialState(), { type: "delta", seq: 1, base: 0, event_time: 0, send_time: 0, changes: {} }, 0).resync).toBe(true);
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
