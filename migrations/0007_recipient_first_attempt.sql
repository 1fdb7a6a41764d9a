-- maild queue schema, migration 0007: when a recipient's first counted attempt was made. The
-- retry policy's maximum age counts from it. It used to be read from the attempts table, whose
-- rows also record what spends no attempt (a throttle reply, an account pause, a crash
-- recovery) and outlive `mailctl retry-failed`, which starts a recipient's count afresh.
-- Set with the first attempt that counts, cleared by retry-failed. Existing rows are filled
-- from their counted attempts.
--
-- Released migrations are immutable: never edit this file once it has shipped; add a new
-- numbered migration instead. Every time is Unix milliseconds (UTC) in an INTEGER column.

ALTER TABLE recipients ADD COLUMN first_attempt_at INTEGER;

UPDATE recipients SET first_attempt_at = (
    SELECT MIN(at) FROM attempts
    WHERE attempts.recipient_id = recipients.id
      AND (attempts.class IS NULL OR attempts.class NOT IN ('throttle', 'account'))
      AND (attempts.stage IS NULL OR attempts.stage != 'interrupted'))
WHERE attempts > 0;
