-- The single-file SQLite layout of the releases before CHATBOT_DATABASE_URL (data/feedback.sqlite3),
-- copied from chatbot/feedback.py, accounts.py, audit.py and review_store.py at commit 2d5066b.
-- tests/test_store.py builds an old database from it and checks that nothing is lost on the way in.
CREATE TABLE IF NOT EXISTS feedback (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT NOT NULL,              -- ISO-8601, UTC
    session_id  TEXT NOT NULL,              -- random per browser session; nothing links it to a person
    question    TEXT NOT NULL,              -- redacted
    history     TEXT NOT NULL DEFAULT '[]', -- JSON list of the earlier questions, redacted
    answer      TEXT NOT NULL,              -- the text the asker saw, redacted
    citations   TEXT NOT NULL DEFAULT '[]', -- JSON list of {n, article, title, section, chunk_id, score}
    category    TEXT NOT NULL,              -- guardrail category
    rating      INTEGER,                    -- 1 helpful, 0 not helpful, NULL not rated
    comment     TEXT NOT NULL DEFAULT '',   -- redacted
    rated_at    TEXT,
    language    TEXT NOT NULL DEFAULT 'en'  -- ISO 639-1 code of the question ("es", "zh"...)
);
CREATE INDEX IF NOT EXISTS feedback_created ON feedback (created_at);
CREATE TABLE IF NOT EXISTS staff_accounts (
    name                 TEXT PRIMARY KEY COLLATE NOCASE,
    role                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL,              -- argon2id, with its parameters and salt
    disabled             INTEGER NOT NULL DEFAULT 0,
    created_at           TEXT NOT NULL,              -- ISO-8601, UTC
    password_changed_at  TEXT NOT NULL,
    last_login_at        TEXT
);
CREATE TABLE IF NOT EXISTS login_attempts (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    name     TEXT NOT NULL,                          -- as typed (trimmed, lower case), account or not
    at       TEXT NOT NULL,
    success  INTEGER NOT NULL,                       -- 1 logged in, 0 refused
    outcome  TEXT NOT NULL                           -- ok, wrong_password, unknown_name, locked, disabled
);
CREATE INDEX IF NOT EXISTS login_attempts_name ON login_attempts (name, at);
CREATE TABLE IF NOT EXISTS login_lockouts (
    name          TEXT PRIMARY KEY,                  -- lower case
    failures      INTEGER NOT NULL,                  -- wrong passwords in a row
    locked_until  TEXT                               -- set once failures reach the limit
);
CREATE TABLE IF NOT EXISTS audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,             -- ISO-8601, UTC
    actor    TEXT NOT NULL,             -- staff name, or cli:<os user>
    action   TEXT NOT NULL,             -- login, login.failed, account.add, ...
    subject  TEXT NOT NULL DEFAULT '',  -- what it concerns: an account name, a question, ...
    detail   TEXT NOT NULL DEFAULT '{}' -- JSON object
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);
CREATE TABLE IF NOT EXISTS reviewed_answers (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    question_key       TEXT NOT NULL UNIQUE,      -- lower case, single spaces, no end punctuation
    question           TEXT NOT NULL,
    status             TEXT NOT NULL,             -- draft | reviewed | needs_review | withdrawn
    published_revision INTEGER NOT NULL DEFAULT 0,-- 0: never approved
    latest_revision    INTEGER NOT NULL DEFAULT 0,
    stale              TEXT NOT NULL DEFAULT '[]',-- JSON list of {n, article, old, new}
    updated_at         TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reviewed_revisions (
    answer_id    INTEGER NOT NULL REFERENCES reviewed_answers (id),
    number       INTEGER NOT NULL,
    question     TEXT NOT NULL,
    answer       TEXT NOT NULL,                   -- with [n] markers
    sources      TEXT NOT NULL,                   -- JSON list of {article, quote} | {clinic: true}
    also_asked   TEXT NOT NULL DEFAULT '[]',      -- JSON list
    author       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',        -- what changed
    approved_by  TEXT,
    approved_at  TEXT,
    PRIMARY KEY (answer_id, number)
);
CREATE TABLE IF NOT EXISTS reviewed_history (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    answer_id INTEGER NOT NULL,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,                      -- draft | approve | withdraw | needs_review | import
    revision  INTEGER NOT NULL DEFAULT 0,
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS reviewed_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT OR IGNORE INTO reviewed_state (id, version) VALUES (1, 0);
