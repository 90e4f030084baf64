-- The risk history: one row per node per publication (instance, seq), and the leaves'
-- positions at a lower rate. TimescaleDB hypertables with daily chunks, compressed after 7
-- days, dropped after 90.
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
);
SELECT create_hypertable('risk_history', 'ts', chunk_time_interval => INTERVAL '1 day', if_not_exists => true);

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
);
SELECT create_hypertable('risk_positions', 'ts', chunk_time_interval => INTERVAL '1 day', if_not_exists => true);

ALTER TABLE risk_history SET (timescaledb.compress, timescaledb.compress_segmentby = 'node', timescaledb.compress_orderby = 'ts DESC, instance, seq');
ALTER TABLE risk_positions SET (timescaledb.compress, timescaledb.compress_segmentby = 'node, symbol', timescaledb.compress_orderby = 'ts DESC, instance, seq');
SELECT add_compression_policy('risk_history', INTERVAL '7 days', if_not_exists => true);
SELECT add_compression_policy('risk_positions', INTERVAL '7 days', if_not_exists => true);
SELECT add_retention_policy('risk_history', INTERVAL '90 days', if_not_exists => true);
SELECT add_retention_policy('risk_positions', INTERVAL '90 days', if_not_exists => true);
