-- maild queue schema, migration 0009: when a job's bounce circuit breaker last started afresh.
-- The breaker judges a job's final outcomes (success, bounce, reject) and lives in memory; after
-- a restart maild rebuilds it from the job's attempts made since this instant, so a restart no
-- longer gives a bad list another hundred messages before it can trip. `mailctl resume` of a
-- paused job sets it: the breaker then judges the outcomes that follow anew. NULL: since the
-- job began. Attempts with the rule render-error (maild could not render the message) are not
-- the relay's verdict and are left out, as the live breaker leaves them out.
--
-- Released migrations are immutable: never edit this file once it has shipped; add a new
-- numbered migration instead. Every time is Unix milliseconds (UTC) in an INTEGER column.

ALTER TABLE jobs ADD COLUMN breaker_since INTEGER;

-- A job of an older maild may have been resumed after a trip, which that maild did not note:
-- its breaker starts afresh at the upgrade rather than trip again on outcomes judged before.
UPDATE jobs SET breaker_since = CAST(strftime('%s', 'now') AS INTEGER) * 1000
WHERE state NOT IN ('completed', 'cancelled');
