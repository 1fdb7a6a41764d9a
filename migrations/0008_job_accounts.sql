-- maild queue schema, migration 0008: the accounts a job may send through (failover). A
-- campaign may name several accounts; every worker of any of them claims the job's recipients,
-- so the accounts share the job, and when one is paused or at its quota the others take its
-- share. Every job has a row here for each of its accounts; position 0 is jobs.account.
-- paused_reason is set when that account failed for the job (credentials refused, say): the
-- job goes on through its other accounts and is paused itself only when none is left.
-- `mailctl resume` clears it.
--
-- Released migrations are immutable: never edit this file once it has shipped; add a new
-- numbered migration instead. Every time is Unix milliseconds (UTC) in an INTEGER column.

CREATE TABLE job_accounts (
    job_id        INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    account       TEXT    NOT NULL,
    position      INTEGER NOT NULL,
    paused_reason TEXT,
    paused_at     INTEGER,
    PRIMARY KEY (job_id, account)
) WITHOUT ROWID;

-- Which jobs a worker of account X may claim from.
CREATE INDEX job_accounts_by_account ON job_accounts (account, job_id);

-- A job paused for its account before this migration keeps that as the account's pause.
INSERT INTO job_accounts (job_id, account, position, paused_reason, paused_at)
SELECT id, account, 0,
       CASE WHEN state = 'paused' AND substr(pause_reason, 1, length(account) + 9) = 'account ' || account || ':'
            THEN pause_reason END,
       CASE WHEN state = 'paused' AND substr(pause_reason, 1, length(account) + 9) = 'account ' || account || ':'
            THEN updated_at END
FROM jobs;
