-- 1-minute and 1-hour bars of P&L, VaR and ES per node (all instances): continuous aggregates
-- refreshed by TimescaleDB's policies, real-time (buckets not yet materialized are computed from
-- the hypertable at query time), kept for a year.
CREATE MATERIALIZED VIEW IF NOT EXISTS risk_history_1m WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT node,
       time_bucket(INTERVAL '1 minute', ts) AS bucket,
       first(pnl, ts) AS pnl_open,
       max(pnl) AS pnl_high,
       min(pnl) AS pnl_low,
       last(pnl, ts) AS pnl,
       max(var_99) AS var_99_high,
       last(var_99, ts) AS var_99,
       max(es_975) AS es_975_high,
       last(es_975, ts) AS es_975,
       last(gross_exposure, ts) AS gross_exposure,
       last(net_delta, ts) AS net_delta,
       count(*) AS samples
FROM risk_history
GROUP BY node, time_bucket(INTERVAL '1 minute', ts)
WITH NO DATA;
SELECT add_continuous_aggregate_policy('risk_history_1m', start_offset => INTERVAL '1 day', end_offset => INTERVAL '1 minute',
                                       schedule_interval => INTERVAL '1 minute', if_not_exists => true);
SELECT add_retention_policy('risk_history_1m', INTERVAL '365 days', if_not_exists => true);

CREATE MATERIALIZED VIEW IF NOT EXISTS risk_history_1h WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT node,
       time_bucket(INTERVAL '1 hour', ts) AS bucket,
       first(pnl, ts) AS pnl_open,
       max(pnl) AS pnl_high,
       min(pnl) AS pnl_low,
       last(pnl, ts) AS pnl,
       max(var_99) AS var_99_high,
       last(var_99, ts) AS var_99,
       max(es_975) AS es_975_high,
       last(es_975, ts) AS es_975,
       last(gross_exposure, ts) AS gross_exposure,
       last(net_delta, ts) AS net_delta,
       count(*) AS samples
FROM risk_history
GROUP BY node, time_bucket(INTERVAL '1 hour', ts)
WITH NO DATA;
SELECT add_continuous_aggregate_policy('risk_history_1h', start_offset => INTERVAL '7 days', end_offset => INTERVAL '1 hour',
                                       schedule_interval => INTERVAL '10 minutes', if_not_exists => true);
SELECT add_retention_policy('risk_history_1h', INTERVAL '5 years', if_not_exists => true);
