-- maild queue schema, migration 0003: the send log per job, so a campaign's own rate_limits
-- hold across a restart like the account's and provider's, and the throttle state of each
-- scope, so a cool-down, a used-up daily quota or a halved rate is still in force after one.
--
-- Released migrations are immutable: never edit this file once it has shipped; add a new
-- numbered migration instead. Every time is Unix milliseconds (UTC) in an INTEGER column.

-- NULL for rows written before this migration and for sends outside a job (test messages).
ALTER TABLE send_log ADD COLUMN job_id INTEGER;

CREATE INDEX send_log_by_job ON send_log (job_id, at) WHERE job_id IS NOT NULL;

-- One row per throttle scope that is paused or below its configured rate. scope is
-- 'account:NAME', 'provider:NAME' or 'job:ID'; rate_fraction is the share of the configured
-- rate in force (AIMD), recovering_from the instant clean windows are counted from.
CREATE TABLE throttle_state (
    scope TEXT NOT NULL PRIMARY KEY,
    suspended_until INTEGER,
    reason TEXT,
    streak INTEGER NOT NULL DEFAULT 0,
    last_throttle_at INTEGER,
    rate_fraction REAL NOT NULL DEFAULT 1,
    recovering_from INTEGER,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
