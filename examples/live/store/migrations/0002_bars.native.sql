-- 1-minute and 1-hour bars of P&L, VaR and ES per node (all instances): materialized views
-- the writer refreshes CONCURRENTLY on a schedule. rtrisk_bars_refreshed records, per view, the
-- instant before which its buckets are complete; /api/history reads newer buckets from the raw
-- table.
CREATE MATERIALIZED VIEW IF NOT EXISTS risk_history_1m AS
SELECT node,
       date_bin('1 minute', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket,
       (array_agg(pnl ORDER BY ts))[1] AS pnl_open,
       max(pnl) AS pnl_high,
       min(pnl) AS pnl_low,
       (array_agg(pnl ORDER BY ts DESC))[1] AS pnl,
       max(var_99) AS var_99_high,
       (array_agg(var_99 ORDER BY ts DESC))[1] AS var_99,
       max(es_975) AS es_975_high,
       (array_agg(es_975 ORDER BY ts DESC))[1] AS es_975,
       (array_agg(gross_exposure ORDER BY ts DESC))[1] AS gross_exposure,
       (array_agg(net_delta ORDER BY ts DESC))[1] AS net_delta,
       count(*) AS samples
FROM risk_history
GROUP BY 1, 2
WITH NO DATA;
CREATE UNIQUE INDEX IF NOT EXISTS risk_history_1m_node_bucket ON risk_history_1m (node, bucket);

CREATE MATERIALIZED VIEW IF NOT EXISTS risk_history_1h AS
SELECT node,
       date_bin('1 hour', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket,
       (array_agg(pnl ORDER BY ts))[1] AS pnl_open,
       max(pnl) AS pnl_high,
       min(pnl) AS pnl_low,
       (array_agg(pnl ORDER BY ts DESC))[1] AS pnl,
       max(var_99) AS var_99_high,
       (array_agg(var_99 ORDER BY ts DESC))[1] AS var_99,
       max(es_975) AS es_975_high,
       (array_agg(es_975 ORDER BY ts DESC))[1] AS es_975,
       (array_agg(gross_exposure ORDER BY ts DESC))[1] AS gross_exposure,
       (array_agg(net_delta ORDER BY ts DESC))[1] AS net_delta,
       count(*) AS samples
FROM risk_history
GROUP BY 1, 2
WITH NO DATA;
CREATE UNIQUE INDEX IF NOT EXISTS risk_history_1h_node_bucket ON risk_history_1h (node, bucket);

CREATE TABLE IF NOT EXISTS rtrisk_bars_refreshed (
    view_name text PRIMARY KEY,
    complete_before timestamptz NOT NULL
);
