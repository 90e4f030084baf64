// Generated from docs/protocol.schema.json by web/scripts/gen-protocol.mjs: do not edit.

/**
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "ServerMessage".
 */
export type ServerMessage = SnapshotMessage | DeltaMessage | HeartbeatMessage;
/**
 * var_99, es_975, gross_exposure: positive figures; net_delta, vega: the limit bounds the absolute value
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "LimitMeasure".
 */
export type LimitMeasure = "var_99" | "es_975" | "gross_exposure" | "net_delta" | "vega";
/**
 * [time_ms, total_pnl, var_99]
 *
 * @minItems 3
 * @maxItems 3
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "HistoryPoint".
 */
export type HistoryPoint = [number, number, number];
/**
 * The top-level fields of RiskData that changed (each valid as in RiskData; applied to the held data, the result is a valid RiskData), plus history_append.
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "RiskChanges".
 */
export type RiskChanges = Partial<Omit<RiskData, "history">> & {history_append: HistoryPoint[]; positions_rows?: PositionRows};

/**
 * Every message of /ws/risk (docs/protocol.md), the risk report of GET /api/risk and --once (docs/book.md), and the answer of GET /api/history. The conformance suite validates every message it receives against this file; web/src/protocol.generated.ts is generated from it (npm run gen:protocol). Money in currency; VaR/ES positive losses; times in microseconds since the Unix epoch unless named _ms.
 */
export interface ProtocolTypes {
  ServerMessage?: ServerMessage;
  SnapshotMessage?: SnapshotMessage;
  DeltaMessage?: DeltaMessage;
  HeartbeatMessage?: HeartbeatMessage;
  ClientMessage?: ClientMessage;
  RiskChanges?: RiskChanges;
  RiskData?: RiskData;
  FactorGroup?: FactorGroup;
  PositionExplain?: PositionExplain;
  ServerInfo?: ServerInfo;
  HistoryPoint?: HistoryPoint;
  NodeRisk?: NodeRisk;
  PositionColumns?: PositionColumns;
  PositionRows?: PositionRows;
  Position?: Position;
  UnderlyingGreeks?: UnderlyingGreeks;
  SpotVolGrid?: SpotVolGrid;
  RiskReport?: RiskReport;
  history_response?: HistoryResponse;
  LimitMeasure?: LimitMeasure;
  LimitStatus?: LimitStatus;
  LimitEvent?: LimitEvent;
  limits_response?: LimitsResponse;
  limits_request?: LimitsRequest;
  what_if_request?: WhatIfRequest;
  what_if_response?: WhatIfResponse;
  node_detail?: NodeDetail;
  node_backtest?: NodeBacktest;
}
/**
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "SnapshotMessage".
 */
export interface SnapshotMessage {
  type: "snapshot";
  seq: number;
  /**
   * the server process, random at every start
   */
  instance: string;
  event_time: number;
  send_time: number;
  data: RiskData;
}
/**
 * A publication: the root node's headline figures, every node, and the slower parts (repeated until refreshed).
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "RiskData".
 */
export interface RiskData {
  /**
   * every limit, in the limits file's order
   */
  limits: LimitStatus[];
  /**
   * the last 100 breaches and clearings, oldest first
   *
   * @maxItems 100
   */
  alerts: LimitEvent[];
  /**
   * the root's unrealised + realised P&L
   */
  total_pnl: number;
  market_value: number;
  /**
   * sum of |dollar delta| over positions
   */
  gross_exposure: number;
  /**
   * sum of the linear positions' exposures
   */
  net_exposure: number;
  /**
   * sum of dollar deltas, options included
   */
  net_delta: number;
  positions_count: number;
  /**
   * historical 1-day VaR 99 % of the root
   */
  var_99: number;
  /**
   * historical 1-day ES 97.5 % of the root
   */
  es_975: number;
  scenarios: number;
  ticks_total: number;
  /**
   * @minItems 1
   */
  nodes: [NodeRisk, ...NodeRisk[]];
  positions: PositionColumns;
  greeks: UnderlyingGreeks[];
  stress: {
    name: string;
    pnl: number;
  }[];
  grid: SpotVolGrid;
  /**
   * the root's VaR 99 by method over the same scenarios; ewma and filtered_historical with decay 0.94, age_weighted 0.99; null where the scenario count cannot support the method
   */
  var_methods: {
    historical: number;
    gaussian: number;
    cornish_fisher: number;
    ewma: number | null;
    filtered_historical: number | null;
    age_weighted: number | null;
  };
  /**
   * P&L explain of every node since the start of the day (columns; path in the order of nodes when it was computed): actual P&L change, delta and gamma on the Greeks at the start, vega and theta (0: vols and the valuation date are held), trading (quantities traded since), unexplained
   */
  explain: {
    /**
     * event time the day began (µs since the Unix epoch); 0: the server's start
     */
    since_us: number;
    path: string[];
    actual: number[];
    delta: number[];
    gamma: number[];
    vega: number[];
    theta: number[];
    trading: number[];
    unexplained: number[];
  };
  /**
   * risk by the book's factor columns (sector, country, currency; empty when it has none), groups in order of first appearance
   */
  factors: FactorGroup[];
  server: ServerInfo;
  history: HistoryPoint[];
}
/**
 * A limit (docs/limits.md) with its figure now: utilisation = |figure| / limit; breached from above 1 until below 0.95. value and utilisation are null while the node is not in the book.
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "LimitStatus".
 */
export interface LimitStatus {
  node: string;
  measure: LimitMeasure;
  limit: number;
  value: number | null;
  utilisation: number | null;
  breached: boolean;
}
/**
 * A limit breach, or its end (cleared).
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "LimitEvent".
 */
export interface LimitEvent {
  /**
   * wall-clock ms since the Unix epoch
   */
  time_ms: number;
  node: string;
  measure: LimitMeasure;
  value: number;
  limit: number;
  event: "breach" | "cleared";
}
/**
 * One node of the book's hierarchy, over its whole subtree.
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "NodeRisk".
 */
export interface NodeRisk {
  /**
   * '/'-separated, the root first
   */
  path: string;
  /**
   * null for the root
   */
  parent: string | null;
  depth: number;
  positions_count: number;
  market_value: number;
  pnl: number;
  net_delta: number;
  gross_exposure: number;
  /**
   * per 1.00 of vol
   */
  vega: number;
  /**
   * per year
   */
  theta: number;
  var_99: number;
  es_975: number;
  /**
   * Euler component in the parent's VaR 99 (the root: its VaR)
   */
  component_var: number;
  /**
   * in the risk report (GET /api/risk, --once, Kafka risk records), not in the stream: a client reads a node's contributors from GET /api/node
   *
   * @maxItems 5
   */
  top_contributors?:
    | []
    | [
        {
          node: string;
          symbol: string;
          component_var: number;
        }
      ]
    | [
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        }
      ]
    | [
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        }
      ]
    | [
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        }
      ]
    | [
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        }
      ];
}
/**
 * Every position as columns of equal length, one row per position in the engine's order; rows are only appended.
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "PositionColumns".
 */
export interface PositionColumns {
  node: string[];
  symbol: string[];
  type: ("linear" | "call" | "put")[];
  quantity: number[];
  /**
   * unit value: the spot, or the option's model price
   */
  price: number[];
  market_value: number[];
  pnl: number[];
  /**
   * Euler component in the root's VaR 99
   */
  component_var: number[];
  /**
   * dollar delta
   */
  delta: number[];
}
/**
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "UnderlyingGreeks".
 */
export interface UnderlyingGreeks {
  underlying: string;
  /**
   * units of the underlying
   */
  delta: number;
  dollar_delta: number;
  gamma: number;
  vega: number;
  theta: number;
}
/**
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "SpotVolGrid".
 */
export interface SpotVolGrid {
  /**
   * relative spot moves (rows)
   */
  spot: number[];
  /**
   * relative vol shifts (columns)
   */
  vol: number[];
  pnl: number[][];
}
/**
 * Positions whose instrument has one label of a factor ('(none)': no label): stand-alone VaR 99 / ES 97.5 of their scenario P&L, and their Euler component in the root's VaR 99 (the components of one factor sum to it).
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "FactorGroup".
 */
export interface FactorGroup {
  factor: string;
  group: string;
  positions_count: number;
  net_delta: number;
  gross_exposure: number;
  var_99: number;
  es_975: number;
  component_var: number;
}
/**
 * The server's timing, constant for an instance: what a client needs to tell a live stream from a stale one.
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "ServerInfo".
 */
export interface ServerInfo {
  /**
   * interval of the fixed publication rate
   */
  publish_ms: number;
  /**
   * a heartbeat follows this much silence
   */
  heartbeat_ms: number;
  /**
   * length of the rolling history
   */
  history_points: number;
}
/**
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "DeltaMessage".
 */
export interface DeltaMessage {
  type: "delta";
  seq: number;
  base: number;
  event_time: number;
  send_time: number;
  changes: RiskChanges;
}
/**
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "HeartbeatMessage".
 */
export interface HeartbeatMessage {
  type: "heartbeat";
  send_time: number;
}
/**
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "ClientMessage".
 */
export interface ClientMessage {
  type: "resync" | "ping";
}
/**
 * One position's P&L change since the start of the day split on the Greeks at the start (docs/conventions.md, P&L explain): actual = delta + gamma + vega + theta + trading + unexplained.
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "PositionExplain".
 */
export interface PositionExplain {
  node: string;
  symbol: string;
  actual: number;
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
  trading: number;
  unexplained: number;
}
/**
 * In a delta instead of positions: the rows that changed. index lists them ascending, each appended row (index >= the held row count) included; the value columns give their new values in that order; node, symbol and type give the appended rows' only. count is the row count after.
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "PositionRows".
 */
export interface PositionRows {
  count: number;
  index: number[];
  node: string[];
  symbol: string[];
  type: ("linear" | "call" | "put")[];
  quantity: number[];
  price: number[];
  market_value: number[];
  pnl: number[];
  component_var: number[];
  delta: number[];
}
/**
 * One row of PositionColumns, as the dashboard holds it.
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "Position".
 */
export interface Position {
  node: string;
  symbol: string;
  type: "linear" | "call" | "put";
  quantity: number;
  /**
   * unit value: the spot, or the option's model price
   */
  price: number;
  market_value: number;
  pnl: number;
  /**
   * Euler component in the root's VaR 99
   */
  component_var: number;
  /**
   * dollar delta
   */
  delta: number;
}
/**
 * GET /api/risk (with seq and event_time_us) and --once (without): every node's figures, exact.
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "RiskReport".
 */
export interface RiskReport {
  scenarios: number;
  ticks_total: number;
  /**
   * @minItems 1
   */
  nodes: [Required<NodeRisk>, ...Required<NodeRisk>[]];
  seq?: number;
  event_time_us?: number;
}
/**
 * GET /api/history?node=PATH&from=ISO&to=ISO&step=SECONDS: one node's figures over [from, to], oldest first. step 0: every publication; step > 0: one point per bucket of step seconds, with the bucket's start time and the last values in it.
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "history_response".
 */
export interface HistoryResponse {
  /**
   * the node's path, as in NodeRisk
   */
  node: string;
  /**
   * ISO 8601 instant, UTC
   */
  from: string;
  /**
   * ISO 8601 instant, UTC
   */
  to: string;
  /**
   * seconds per bucket, 0 for raw points
   */
  step: number;
  /**
   * the database's raw points, its 1-minute or 1-hour rollups, or the server's memory
   */
  source: "raw" | "1m" | "1h" | "memory";
  /**
   * the meaning of each point's entries
   */
  columns: ["time_ms", "pnl", "var_99", "es_975", "gross_exposure", "net_delta"];
  /**
   * @maxItems 100000
   */
  points: [number, number, number, number, number, number][];
}
/**
 * GET /api/limits, and the answer to POST /api/limits.
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "limits_response".
 */
export interface LimitsResponse {
  limits: {
    node: string;
    measure: LimitMeasure;
    limit: number;
  }[];
  /**
   * POST /api/limits may change them: the server has --limits FILE and --token
   */
  editable: boolean;
  /**
   * the --limits file, empty without one
   */
  file: string;
}
/**
 * POST /api/limits: each entry sets that limit; "limit": null removes it.
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "limits_request".
 */
export interface LimitsRequest {
  limits: {
    node: string;
    measure: LimitMeasure;
    limit: number | null;
  }[];
}
/**
 * POST /api/whatif: trades not booked. price defaults to the contract's unit value now.
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "what_if_request".
 */
export interface WhatIfRequest {
  /**
   * @minItems 1
   * @maxItems 1000
   */
  trades: [
    {
      /**
       * an existing node or a new path under the root
       */
      node: string;
      symbol: string;
      quantity: number;
      price?: number;
    },
    ...{
      /**
       * an existing node or a new path under the root
       */
      node: string;
      symbol: string;
      quantity: number;
      price?: number;
    }[]
  ];
}
/**
 * POST /api/whatif: every node the trades touch, deepest first, exact figures (VaR/ES positive losses; pnl_after adds the trades' P&L at their prices).
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "what_if_response".
 */
export interface WhatIfResponse {
  nodes: {
    path: string;
    /**
     * false: the trades would create the node
     */
    exists: boolean;
    var_99_before: number;
    var_99_after: number;
    es_975_before: number;
    es_975_after: number;
    gross_exposure_before: number;
    gross_exposure_after: number;
    net_delta_before: number;
    net_delta_after: number;
    vega_before: number;
    vega_after: number;
    pnl_before: number;
    pnl_after: number;
    /**
     * limits of the node its figures after the trades would breach
     */
    breaches: {
      measure: LimitMeasure;
      limit: number;
      value_before: number;
      value: number;
      utilisation: number;
      breached_before: boolean;
    }[];
  }[];
}
/**
 * GET /api/node?path=P: one node's detail, exact figures: Greeks by underlying and option positions (delta in units, dollar_delta per 100 % move, gamma per unit, vega per 1.00 vol, theta per year), stress and the spot x vol grid by full revaluation of its positions, the histogram of its scenario P&L, the tail scenarios (worst first, down to the VaR 99 quantile's; label: the history's label of the day) and its 10 largest VaR contributors.
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "node_detail".
 */
export interface NodeDetail {
  path: string;
  var_99: number;
  es_975: number;
  scenarios: number;
  greeks: UnderlyingGreeks[];
  options: {
    node: string;
    symbol: string;
    underlying: string;
    type: "call" | "put";
    strike: number;
    expiry: number;
    vol: number;
    quantity: number;
    price: number;
    market_value: number;
    delta: number;
    dollar_delta: number;
    gamma: number;
    vega: number;
    theta: number;
  }[];
  stress: {
    name: string;
    pnl: number;
  }[];
  grid: SpotVolGrid;
  histogram: {
    /**
     * bins + 1 edges, ascending
     */
    edges: number[];
    counts: number[];
  };
  tail: {
    scenario: number;
    label: string;
    pnl: number;
  }[];
  /**
   * @maxItems 10
   */
  top_contributors:
    | []
    | [
        {
          node: string;
          symbol: string;
          component_var: number;
        }
      ]
    | [
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        }
      ]
    | [
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        }
      ]
    | [
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        }
      ]
    | [
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        }
      ]
    | [
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        }
      ]
    | [
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        }
      ]
    | [
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        }
      ]
    | [
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        }
      ]
    | [
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        },
        {
          node: string;
          symbol: string;
          component_var: number;
        }
      ];
  /**
   * P&L explain since the start of the day of the node's 50 positions whose P&L moved most (largest |actual| first), exact
   */
  explain: {
    /**
     * event time the day began (µs since the Unix epoch); 0: the server's start
     */
    since_us: number;
    /**
     * @maxItems 50
     */
    positions: PositionExplain[];
  };
}
/**
 * GET /api/backtest?path=P: the node's current positions revalued on each of the last days (at most 250) of the price history (hypothetical P&L; options fully, at today's spot, vol and expiry), each against the historical VaR 99 of the same positions over the window of days before it; an exception is pnl < -var_99. Kupiec's POF, Christoffersen's independence and conditional coverage p-values, and the Basel traffic light of the exceptions.
 *
 * This interface was referenced by `ProtocolTypes`'s JSON-Schema
 * via the `definition` "node_backtest".
 */
export interface NodeBacktest {
  path: string;
  /**
   * days in each VaR (the book's scenario count)
   */
  window: number;
  confidence: 0.99;
  days: {
    /**
     * the price history's label of the day
     */
    label: string;
    pnl: number;
    var_99: number;
    exception: boolean;
  }[];
  exceptions: number;
  kupiec_p: number;
  christoffersen_independence_p: number;
  christoffersen_conditional_p: number;
  traffic_light: "green" | "yellow" | "red";
  /**
   * stressed VaR 99 (Basel 2.5): the same positions' historical VaR over the 250 consecutive days of the whole price history where it is largest, with the first and last days' labels; null when the history is shorter
   */
  stressed: null | {
    var_99: number;
    window: number;
    start: string;
    end: string;
  };
}
