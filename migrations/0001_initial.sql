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
