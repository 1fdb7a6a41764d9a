-- maild queue schema, migration 0002: the suppression list, the send log behind rolling-window
-- throttles, and the index the scheduler claims recipients through.
--
-- Released migrations are immutable: never edit this file once it has shipped; add a new
-- numbered migration instead. Every time is Unix milliseconds (UTC) in an INTEGER column.

-- Addresses that must never be mailed again (hard bounces, operator requests). The key is the
-- normalized address, the same form recipients.normalized_address holds.
CREATE TABLE suppression (
    address TEXT NOT NULL PRIMARY KEY,
    reason TEXT NOT NULL,
    class TEXT,
    job_id INTEGER,
    at INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per message handed to a provider, so that "at most 500 per day on this account"
-- still holds after a restart. Pruned by age.
CREATE TABLE send_log (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    provider TEXT NOT NULL,
    at INTEGER NOT NULL
);

CREATE INDEX send_log_by_account ON send_log (account, at);
CREATE INDEX send_log_by_provider ON send_log (provider, at);
CREATE INDEX send_log_by_time ON send_log (at);

-- "The next due recipients of running job J, in list order": only rows still waiting are in
-- this partial index, so it shrinks as a campaign progresses and a claim stops after LIMIT rows.
-- Queries must repeat the WHERE clause word for word for SQLite to use it.
CREATE INDEX recipients_due ON recipients (job_id, seq, next_attempt_at)
    WHERE state IN ('pending', 'deferred');
