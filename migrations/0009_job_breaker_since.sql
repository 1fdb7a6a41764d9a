-- maild queue schema, migration 0009: when a job's bounce circuit breaker last started afresh.
-- The breaker judges a job's final outcomes (success, bounce, reject) and lives in memory; after
-- a restart maild rebuilds it from the job's attempts made since this instant, so a restart no
-- longer gives a bad list another hundred messages before it can trip. `mailctl resume` of a
-- paused job sets it: the breaker then judges the outcomes that follow anew. NULL: since the
-- job began.
--
-- Released migrations are immutable: never edit this file once it has shipped; add a new
-- numbered migration instead. Every time is Unix milliseconds (UTC) in an INTEGER column.

ALTER TABLE jobs ADD COLUMN breaker_since INTEGER;
