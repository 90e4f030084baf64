-- The risk history: one row per node per publication (instance, seq), and the leaves'
-- positions at a lower rate. Native daily range partitions on ts; the writer creates them
-- ahead (risk_history_pYYYYMMDD, risk_positions_pYYYYMMDD) and drops those past retention.
CREATE TABLE IF NOT EXISTS risk_history (
    ts timestamptz NOT NULL,
    instance text NOT NULL,
    seq bigint NOT NULL,
    node text NOT NULL,
    pnl double precision NOT NULL,
    var_99 double precision NOT NULL,
    es_975 double precision NOT NULL,
    gross_exposure double precision NOT NULL,
    net_delta double precision NOT NULL,
    PRIMARY KEY (node, ts, instance, seq)
) PARTITION BY RANGE (ts);

CREATE TABLE IF NOT EXISTS risk_positions (
    ts timestamptz NOT NULL,
    instance text NOT NULL,
    seq bigint NOT NULL,
    node text NOT NULL,
    symbol text NOT NULL,
    quantity double precision NOT NULL,
    price double precision NOT NULL,
    market_value double precision NOT NULL,
    pnl double precision NOT NULL,
    delta double precision NOT NULL,
    PRIMARY KEY (node, symbol, ts, instance, seq)
) PARTITION BY RANGE (ts);
