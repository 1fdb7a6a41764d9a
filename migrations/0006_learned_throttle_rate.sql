-- maild queue schema, migration 0006: the rate a scope with no configured limit was sending at
-- when a throttle reply came. AIMD halves a rate; for an account or provider nobody gave a
-- rate, the rate it was observed sending at in the minute before the reply is the one halved
-- and restored step by step. NULL when the scope has a configured rate, or no reduced rate.
--
-- Released migrations are immutable: never edit this file once it has shipped; add a new
-- numbered migration instead. Every time is Unix milliseconds (UTC) in an INTEGER column.

ALTER TABLE throttle_state ADD COLUMN learned_count INTEGER;
ALTER TABLE throttle_state ADD COLUMN learned_period_ms INTEGER;
