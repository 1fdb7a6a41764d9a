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
