// The client side of docs/protocol.md, as a pure state machine (no DOM, no socket) so that it is
// unit-tested: snapshot, then deltas whose `base` must equal the held `seq`; a gap asks for a
// resync; the history is a rolling window. `seq` restarts at 1 when the server restarts, so a
// snapshot is taken only if it is newer, comes from a new server `instance`, or was asked for
// (after a resync request or on a new connection, see expectSnapshot).

// The message types are generated from docs/protocol.schema.json (npm run gen:protocol).
import type { HistoryPoint, Position, PositionColumns, PositionRows, RiskData as WireRiskData, ServerMessage } from "./protocol.generated";
export type { HistoryPoint, HistoryResponse, NodeRisk, Position, PositionColumns, PositionRows, ServerInfo, ServerMessage } from "./protocol.generated";

/** RiskData as the dashboard holds it: the positions as rows (the wire sends them as columns). */
export type RiskData = Omit<WireRiskData, "positions"> & { positions: Position[] };

const VALUE_COLUMNS = ["quantity", "price", "market_value", "pnl", "component_var", "delta"] as const;

/** The rows of the wire's columns; null if the columns differ in length. */
export function positionRows(c: PositionColumns): Position[] | null {
  const n = c.node.length;
  if (c.symbol.length !== n || c.type.length !== n || VALUE_COLUMNS.some((k) => c[k].length !== n)) return null;
  const rows = new Array<Position>(n);
  for (let i = 0; i < n; i++) {
    rows[i] = { node: c.node[i], symbol: c.symbol[i], type: c.type[i], quantity: c.quantity[i], price: c.price[i], market_value: c.market_value[i],
      pnl: c.pnl[i], component_var: c.component_var[i], delta: c.delta[i] };
  }
  return rows;
}

/** The held rows with a delta's changed rows applied (unchanged rows are the same objects); null
 * if the delta does not fit the held rows (then the client asks for a snapshot). */
export function patchPositions(held: Position[], d: PositionRows): Position[] | null {
  const m = d.index.length, added = d.count - held.length;
  if (added < 0 || d.node.length !== added || d.symbol.length !== added || d.type.length !== added || VALUE_COLUMNS.some((k) => d[k].length !== m)) {
    return null;
  }
  const rows = held.slice();
  for (let j = 0; j < m; j++) {
    const i = d.index[j];
    if (!Number.isInteger(i) || i < 0 || i >= d.count || (j > 0 && i <= d.index[j - 1])) return null;
    const fixed = i < held.length ? held[i] : { node: d.node[i - held.length], symbol: d.symbol[i - held.length], type: d.type[i - held.length] };
    rows[i] = { node: fixed.node, symbol: fixed.symbol, type: fixed.type, quantity: d.quantity[j], price: d.price[j], market_value: d.market_value[j],
      pnl: d.pnl[j], component_var: d.component_var[j], delta: d.delta[j] };
  }
  for (let i = held.length; i < d.count; i++) if (rows[i] === undefined) return null; // an appended row not listed
  return rows;
}

export interface ClientState {
  data: RiskData | null;
  seq: number;
  lastEventTime: number;
  lastUpdate: number; // client clock, ms, when the held data was last confirmed (data or heartbeat)
  latencyMs: number[]; // event time -> received, recent samples
  instance: string | null; // server instance of the held data, null if unknown
  awaitingSnapshot: boolean; // a snapshot was asked for (resync or new connection): take it even if not newer
  snapshots: number; // snapshots taken: each may follow a gap in the history (reconnect, resync)
}

export const initialState = (): ClientState =>
  ({ data: null, seq: 0, lastEventTime: 0, lastUpdate: 0, latencyMs: [], instance: null, awaitingSnapshot: false, snapshots: 0 });

/** Call on every new connection: its first snapshot is taken whatever its seq (the server may have restarted). */
export const expectSnapshot = (state: ClientState): ClientState => ({ ...state, awaitingSnapshot: true });

export type ApplyResult = { state: ClientState; resync: boolean };

const HISTORY_DEFAULT = 600; // until the server's snapshot says otherwise (data.server.history_points)
const LATENCY_SAMPLES = 200;

/** Applies one server message. `nowMs` is the client's wall clock (Date.now()). */
export function apply(state: ClientState, msg: ServerMessage, nowMs: number): ApplyResult {
  if (msg.type === "heartbeat") return { state: { ...state, lastUpdate: nowMs }, resync: false };
  const latency = nowMs - msg.event_time / 1000;
  if (msg.type === "snapshot") {
    const instance = (msg.instance as string | undefined) ?? null; // absent from older servers
    const newInstance = instance !== null && instance !== state.instance;
    if (state.data !== null && msg.seq <= state.seq && !newInstance && !state.awaitingSnapshot) {
      return { state, resync: false }; // an old or repeated publication of the same server
    }
    const kept = newInstance ? [] : state.latencyMs.slice(-(LATENCY_SAMPLES - 1)); // a new process: fresh start
    const positions = positionRows(msg.data.positions);
    if (positions === null) return { state: { ...state, awaitingSnapshot: true }, resync: true };
    return {
      // A snapshot repeating the event time held (a resync on an idle feed) measures no tick.
      state: { data: { ...msg.data, positions }, seq: msg.seq, lastEventTime: msg.event_time, lastUpdate: nowMs,
        latencyMs: newInstance || msg.event_time !== state.lastEventTime ? [...kept, latency] : kept, instance,
        awaitingSnapshot: false, snapshots: state.snapshots + 1 },
      resync: false,
    };
  }
  if (state.data === null || msg.base !== state.seq || msg.seq <= state.seq) {
    return { state: { ...state, awaitingSnapshot: true }, resync: true }; // a gap or a delta without its base: ask for a snapshot
  }
  // A refresh of the slower parts repeats the event time: it measures no tick's latency.
  const latencyMs = msg.event_time !== state.lastEventTime ? [...state.latencyMs.slice(-(LATENCY_SAMPLES - 1)), latency] : state.latencyMs;
  const { history_append, positions_rows, positions: columns, ...changes } = msg.changes;
  let positions = state.data.positions;
  if (columns !== undefined || positions_rows !== undefined) {
    const next = columns !== undefined ? positionRows(columns) : patchPositions(positions, positions_rows as PositionRows);
    if (next === null) return { state: { ...state, awaitingSnapshot: true }, resync: true }; // does not fit what is held
    positions = next;
  }
  let history = state.data.history;
  if (history_append && history_append.length) {
    const max = state.data.server?.history_points ?? HISTORY_DEFAULT;
    history = [...history, ...(history_append as HistoryPoint[])];
    if (history.length > max) history = history.slice(history.length - max);
  }
  return {
    state: { ...state, data: { ...state.data, ...changes, positions, history }, seq: msg.seq, lastEventTime: msg.event_time, lastUpdate: nowMs, latencyMs },
    resync: false,
  };
}

/** Reconnect delay: exponential from 250 ms, capped at 10 s, with full jitter in [d/2, d]. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const d = Math.min(10_000, 250 * 2 ** Math.max(0, attempt));
  return d / 2 + random() * (d / 2);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]) - s[lo]);
}
