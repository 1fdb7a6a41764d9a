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

-- Of a recipient's counted attempt rows, only its newest `attempts` belong to the current count
-- (rows from before a retry-failed stay in the table): the oldest of those is the first.
UPDATE recipients SET first_attempt_at = (
    SELECT MIN(counted.at) FROM attempts AS counted
    WHERE counted.recipient_id = recipients.id
      AND (counted.class IS NULL OR counted.class NOT IN ('throttle', 'account'))
      AND (counted.stage IS NULL OR counted.stage != 'interrupted')
      AND (SELECT COUNT(*) FROM attempts AS newer
           WHERE newer.recipient_id = counted.recipient_id
             AND (newer.class IS NULL OR newer.class NOT IN ('throttle', 'account'))
             AND (newer.stage IS NULL OR newer.stage != 'interrupted')
             AND newer.at >= counted.at) <= recipients.attempts)
WHERE attempts > 0;
