-- maild queue schema, migration 0005: how many times maild stopped (a crash, kill -9, a power
-- loss) while a recipient was claimed. Such a recipient goes back to pending at the next start
-- and is sent again; its message may have reached the relay before the stop, so the operator
-- must be able to see that a copy may have arrived twice (`mailctl report`, column
-- interrupted_sends).
--
-- Released migrations are immutable: never edit this file once it has shipped; add a new
-- numbered migration instead. Every time is Unix milliseconds (UTC) in an INTEGER column.

ALTER TABLE recipients ADD COLUMN interrupted_sends INTEGER NOT NULL DEFAULT 0;
