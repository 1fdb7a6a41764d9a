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
