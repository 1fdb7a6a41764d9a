-- maild queue schema, migration 0011: the suppression list holds addresses with their ASCII
-- letters lowercased, and the queries compare it with lower(recipients.normalized_address).
-- Entries an operator added were lowercased already; those a bounce added kept the case of the
-- recipient's local part, so `John.Smith@example.com`, bounced, did not stop a later campaign
-- from mailing `john.smith@example.com`, nor an unsubscribe of `john.smith@` the listed
-- `John.Smith@`. Folded here; where both forms were listed the lowercase entry stays.
--
-- Released migrations are immutable: never edit this file once it has shipped; add a new
-- numbered migration instead. Every time is Unix milliseconds (UTC) in an INTEGER column.

UPDATE OR IGNORE suppression SET address = lower(address) WHERE address <> lower(address);
DELETE FROM suppression WHERE address <> lower(address);
