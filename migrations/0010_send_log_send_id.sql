-- maild queue schema, migration 0010: an identity per send in the send log. maild writes each
-- send twice on purpose: with the message's outcome, in the same transaction (so a send whose
-- outcome survives a crash is in the log too), and from its throttles' buffer a few times a
-- second (sends with no outcome of their own, a failed connection, say). send_id makes the
-- second write of the same send a no-op. Rows from before it have none.
--
-- Released migrations are immutable: never edit this file once it has shipped; add a new
-- numbered migration instead. Every time is Unix milliseconds (UTC) in an INTEGER column.

ALTER TABLE send_log ADD COLUMN send_id INTEGER;
CREATE UNIQUE INDEX send_log_by_send_id ON send_log (send_id) WHERE send_id IS NOT NULL;
