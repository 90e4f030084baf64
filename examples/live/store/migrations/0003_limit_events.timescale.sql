-- Limit breaches and clearings (docs/limits.md): one row per event, written with the
-- publication that raised it. Few rows: a plain table, kept (retention does not drop it).
CREATE TABLE IF NOT EXISTS limit_events (
    ts timestamptz NOT NULL,
    instance text NOT NULL,
    seq bigint NOT NULL,
    node text NOT NULL,
    measure text NOT NULL,
    event text NOT NULL CHECK (event IN ('breach', 'cleared')),
    value double precision NOT NULL,
    "limit" double precision NOT NULL,
    PRIMARY KEY (node, measure, ts, instance, seq)
);
CREATE INDEX IF NOT EXISTS limit_events_ts ON limit_events (ts);
