/// The queue's migrations, compiled in so that maild never reads the source tree at run time.
///
/// Each `sql` is `migrations/<fileName>` byte for byte (a test checks it). Released migrations
/// are immutable: add a new file and a new entry at the end, never edit a shipped one. To add
/// one, write `migrations/NNNN_what.sql`, then paste it here between the delimiters, keeping the
/// empty line before the closing delimiter so the text ends with a newline like the file does.
public enum EmbeddedMigrations {
    /// Every migration, in the order they apply.
    public static let all: [QueueMigration] = [
        QueueMigration(
            identifier: "0001_initial",
            fileName: "0001_initial.sql",
            sql: #"""
-- maild queue schema, migration 0001: jobs, their recipients, and every delivery attempt.
--
-- Released migrations are immutable: never edit this file once it has shipped; add a new
-- numbered migration instead. Sources/Queue/Migrations/EmbeddedMigrations.swift holds the same
-- text byte for byte (a test checks it), because maild must not read the source tree at run time.
--
-- Every time is Unix milliseconds (UTC) in an INTEGER column.

-- One row per submitted campaign. 'staging' rows are uploads in progress: invisible to
-- operators, deleted at startup, flipped to 'queued' or 'scheduled' by the commit.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT UNIQUE,
    name TEXT NOT NULL,
    account TEXT NOT NULL,
    owner_uid INTEGER NOT NULL,
    owner_gid INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN
        ('staging', 'queued', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
    pause_reason TEXT,
    spec BLOB NOT NULL,
    recipient_count INTEGER NOT NULL DEFAULT 0,
    duplicate_count INTEGER NOT NULL DEFAULT 0,
    skipped_count INTEGER NOT NULL DEFAULT 0,
    send_at INTEGER,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    updated_at INTEGER NOT NULL
);

-- The scheduler asks "which jobs are running on account X" many times a second.
CREATE INDEX jobs_by_state_account ON jobs (state, account);

-- One row per distinct address of a job. seq is the order of the recipient list, 1-based.
CREATE TABLE recipients (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    address TEXT NOT NULL,
    normalized_address TEXT NOT NULL,
    domain TEXT NOT NULL,
    name TEXT,
    variables TEXT,
    state TEXT NOT NULL CHECK (state IN
        ('pending', 'sending', 'sent', 'deferred', 'failed', 'skipped', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_class TEXT,
    last_code INTEGER,
    last_enhanced TEXT,
    last_text TEXT,
    last_stage TEXT,
    last_rule TEXT,
    sent_at INTEGER,
    updated_at INTEGER NOT NULL,
    -- A list that names the same mailbox twice sends once: INSERT OR IGNORE relies on this.
    UNIQUE (job_id, normalized_address)
);

-- Counts per state, cancel, retry-failed and "is anything left" all read this index only.
CREATE INDEX recipients_by_job_state ON recipients (job_id, state, seq);

-- The history of every attempt, for `mailctl report` and for operators' questions.
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    recipient_id INTEGER NOT NULL REFERENCES recipients (id) ON DELETE CASCADE,
    job_id INTEGER NOT NULL,
    account TEXT NOT NULL,
    provider TEXT NOT NULL,
    at INTEGER NOT NULL,
    stage TEXT,
    code INTEGER,
    enhanced TEXT,
    text TEXT,
    class TEXT,
    rule TEXT,
    duration_ms INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX attempts_by_recipient ON attempts (recipient_id, at);

"""#
        ),
        QueueMigration(
            identifier: "0002_suppression_and_send_log",
            fileName: "0002_suppression_and_send_log.sql",
            sql: #"""
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

"""#
        ),
        QueueMigration(
            identifier: "0003_job_send_log_and_throttle_state",
            fileName: "0003_job_send_log_and_throttle_state.sql",
            sql: #"""
-- maild queue schema, migration 0003: the send log per job, so a campaign's own rate_limits
-- hold across a restart like the account's and provider's, and the throttle state of each
-- scope, so a cool-down, a used-up daily quota or a halved rate is still in force after one.
--
-- Released migrations are immutable: never edit this file once it has shipped; add a new
-- numbered migration instead. Every time is Unix milliseconds (UTC) in an INTEGER column.

-- NULL for rows written before this migration and for sends outside a job (test messages).
ALTER TABLE send_log ADD COLUMN job_id INTEGER;

CREATE INDEX send_log_by_job ON send_log (job_id, at) WHERE job_id IS NOT NULL;

-- One row per throttle scope that is paused or below its configured rate. scope is
-- 'account:NAME', 'provider:NAME' or 'job:ID'; rate_fraction is the share of the configured
-- rate in force (AIMD), recovering_from the instant clean windows are counted from.
CREATE TABLE throttle_state (
    scope TEXT NOT NULL PRIMARY KEY,
    suspended_until INTEGER,
    reason TEXT,
    streak INTEGER NOT NULL DEFAULT 0,
    last_throttle_at INTEGER,
    rate_fraction REAL NOT NULL DEFAULT 1,
    recovering_from INTEGER,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

"""#
        ),
        QueueMigration(
            identifier: "0004_recipients_without_unique_address",
            fileName: "0004_recipients_without_unique_address.sql",
            sql: #"""
-- maild queue schema, migration 0004: recipients without the UNIQUE (job_id, normalized_address)
-- constraint. Its index was written in address order while rows arrive in list order, so every
-- chunk of a large submit dirtied thousands of random index pages; a million-recipient upload
-- spent most of its time there. Duplicates are now collapsed while the job is staging (in
-- memory, by maild, before rows are inserted), which is the only time recipients are added.
--
-- Released migrations are immutable: never edit this file once it has shipped; add a new
-- numbered migration instead. Every time is Unix milliseconds (UTC) in an INTEGER column.
-- SQLite cannot drop a constraint, so the table is rebuilt (its ids, and so every attempt's
-- recipient_id, are kept); maild runs migrations with foreign keys checked at the end.

CREATE TABLE recipients_0004 (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    address TEXT NOT NULL,
    normalized_address TEXT NOT NULL,
    domain TEXT NOT NULL,
    name TEXT,
    variables TEXT,
    state TEXT NOT NULL CHECK (state IN
        ('pending', 'sending', 'sent', 'deferred', 'failed', 'skipped', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_class TEXT,
    last_code INTEGER,
    last_enhanced TEXT,
    last_text TEXT,
    last_stage TEXT,
    last_rule TEXT,
    sent_at INTEGER,
    updated_at INTEGER NOT NULL
);

INSERT INTO recipients_0004
    (id, job_id, seq, address, normalized_address, domain, name, variables, state, attempts, next_attempt_at,
     last_class, last_code, last_enhanced, last_text, last_stage, last_rule, sent_at, updated_at)
SELECT id, job_id, seq, address, normalized_address, domain, name, variables, state, attempts, next_attempt_at,
       last_class, last_code, last_enhanced, last_text, last_stage, last_rule, sent_at, updated_at
FROM recipients;

DROP TABLE recipients;
ALTER TABLE recipients_0004 RENAME TO recipients;

-- The indexes of 0001 and 0002, unchanged.
CREATE INDEX recipients_by_job_state ON recipients (job_id, state, seq);
CREATE INDEX recipients_due ON recipients (job_id, seq, next_attempt_at)
    WHERE state IN ('pending', 'deferred');

"""#
        ),
        QueueMigration(
            identifier: "0005_interrupted_sends",
            fileName: "0005_interrupted_sends.sql",
            sql: #"""
-- maild queue schema, migration 0005: how many times maild stopped (a crash, kill -9, a power
-- loss) while a recipient was claimed. Such a recipient goes back to pending at the next start
-- and is sent again; its message may have reached the relay before the stop, so the operator
-- must be able to see that a copy may have arrived twice (`mailctl report`, column
-- interrupted_sends).
--
-- Released migrations are immutable: never edit this file once it has shipped; add a new
-- numbered migration instead. Every time is Unix milliseconds (UTC) in an INTEGER column.

ALTER TABLE recipients ADD COLUMN interrupted_sends INTEGER NOT NULL DEFAULT 0;

"""#
        ),
        QueueMigration(
            identifier: "0006_learned_throttle_rate",
            fileName: "0006_learned_throttle_rate.sql",
            sql: #"""
-- maild queue schema, migration 0006: the rate a scope with no configured limit was sending at
-- when a throttle reply came. AIMD halves a rate; for an account or provider nobody gave a
-- rate, the rate it was observed sending at in the minute before the reply is the one halved
-- and restored step by step. NULL when the scope has a configured rate, or no reduced rate.
--
-- Released migrations are immutable: never edit this file once it has shipped; add a new
-- numbered migration instead. Every time is Unix milliseconds (UTC) in an INTEGER column.

ALTER TABLE throttle_state ADD COLUMN learned_count INTEGER;
ALTER TABLE throttle_state ADD COLUMN learned_period_ms INTEGER;

"""#
        ),
        QueueMigration(
            identifier: "0007_recipient_first_attempt",
            fileName: "0007_recipient_first_attempt.sql",
            sql: #"""
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

"""#
        ),
        QueueMigration(
            identifier: "0008_job_accounts",
            fileName: "0008_job_accounts.sql",
            sql: #"""
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

"""#
        ),
        QueueMigration(
            identifier: "0009_job_breaker_since",
            fileName: "0009_job_breaker_since.sql",
            sql: #"""
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

"""#
        ),
        QueueMigration(
            identifier: "0010_send_log_send_id",
            fileName: "0010_send_log_send_id.sql",
            sql: #"""
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

"""#
        ),
        QueueMigration(
            identifier: "0011_suppression_case_folded",
            fileName: "0011_suppression_case_folded.sql",
            sql: #"""
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

"""#
        ),
        QueueMigration(
            identifier: "0012_job_ids_never_reused",
            fileName: "0012_job_ids_never_reused.sql",
            sql: #"""
-- maild queue schema, migration 0012: a job id is never given twice. jobs.id is a plain INTEGER
-- PRIMARY KEY, so SQLite handed the id of a discarded upload (the newest row) to the next job:
-- after a submit whose connection broke, mailctl's advice named "job 5", and the next submit
-- became job 5 too; logs filtered by JOB_ID mixed the two. The highest id ever given is kept
-- here, and maild takes the next one above both it and the table's.
--
-- Released migrations are immutable: never edit this file once it has shipped; add a new
-- numbered migration instead. Every time is Unix milliseconds (UTC) in an INTEGER column.

CREATE TABLE job_id_high_water (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_job_id INTEGER NOT NULL
);
INSERT INTO job_id_high_water (id, last_job_id) SELECT 1, coalesce(max(id), 0) FROM jobs;

"""#
        ),
    ]
}
