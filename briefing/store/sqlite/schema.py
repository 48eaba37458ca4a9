"""SQLite's schema: `MIGRATIONS[n - 1]` takes a database from version n - 1 to version n.

The version lives in `PRAGMA user_version`. Opening a store applies every missing step in order, each step in
its own transaction together with the version bump, so a database is always at exactly one version.

How the schema grows: never edit a shipped step; append a new SQL string here (ALTER TABLE, new tables, data
fixes), which runs once, in place, on every existing database, and append its PostgreSQL twin to
`briefing.store.postgres.schema.MIGRATIONS` (the two lists are numbered independently; a test checks that both
engines end with the same tables and columns). A new table also goes into `briefing.store.schema.TABLES`.
"""

from __future__ import annotations

# Version 1 as it shipped (assembled then from each concern module's SCHEMA string).
_VERSION_1 = """
CREATE TABLE IF NOT EXISTS feeds (
    key TEXT PRIMARY KEY,                 -- the URL as written in feeds.yaml; never changes
    url TEXT NOT NULL,                    -- where it is fetched now (moved by permanent redirects)
    section TEXT NOT NULL,
    name TEXT,
    weight REAL NOT NULL DEFAULT 1.0,
    full_text INTEGER NOT NULL DEFAULT 0,
    configured INTEGER NOT NULL DEFAULT 1,  -- 0 once the feed left feeds.yaml
    title TEXT,
    etag TEXT,
    last_modified TEXT,
    content_hash TEXT,
    last_success TEXT,
    last_attempt TEXT,
    last_error TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_poll TEXT,
    retired INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    outlet TEXT NOT NULL,
    published TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    language TEXT,
    guid TEXT
);
CREATE INDEX IF NOT EXISTS articles_published ON articles (published);

-- Which feeds carried an article. No foreign key to feeds: an article outlives a feed leaving the config.
CREATE TABLE IF NOT EXISTS article_feeds (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    feed_key TEXT NOT NULL,
    PRIMARY KEY (article_id, feed_key)
);
CREATE INDEX IF NOT EXISTS article_feeds_feed ON article_feeds (feed_key);


CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,                   -- poll | build | run | send | ...
    started TEXT NOT NULL,
    finished TEXT,
    status TEXT NOT NULL DEFAULT 'running',  -- running | ok | partial | failed | ...
    stats TEXT                            -- JSON object
);
CREATE INDEX IF NOT EXISTS runs_kind_started ON runs (kind, started);


CREATE TABLE IF NOT EXISTS editions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    built_at TEXT NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS editions_window_end ON editions(window_end);
CREATE TABLE IF NOT EXISTS edition_articles (
    edition_id TEXT NOT NULL REFERENCES editions(id) ON DELETE CASCADE,
    article_id TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    PRIMARY KEY (edition_id, article_id)
);
CREATE INDEX IF NOT EXISTS edition_articles_article ON edition_articles(article_id);
CREATE INDEX IF NOT EXISTS edition_articles_cluster ON edition_articles(cluster_id);


CREATE TABLE IF NOT EXISTS sends (
    edition_id TEXT NOT NULL,
    recipient TEXT NOT NULL,              -- lower-cased address
    status TEXT NOT NULL,                 -- sending | sent | failed
    message_id TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    permanent INTEGER NOT NULL DEFAULT 0,
    updated TEXT NOT NULL,
    PRIMARY KEY (edition_id, recipient)
);
CREATE INDEX IF NOT EXISTS sends_recipient_updated ON sends (recipient, updated);
CREATE TABLE IF NOT EXISTS unsubscribes (
    address TEXT PRIMARY KEY,             -- lower-cased address
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS schedule_slots (
    name TEXT NOT NULL,                   -- the edition's name in feeds.yaml
    local_date TEXT NOT NULL,             -- YYYY-MM-DD in the configured timezone
    due TEXT NOT NULL,
    status TEXT NOT NULL,                 -- started | built | sent | skipped | failed
    edition_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    updated TEXT NOT NULL,
    PRIMARY KEY (name, local_date)
);


CREATE TABLE IF NOT EXISTS clusters (
    id TEXT PRIMARY KEY,                  -- "c-" + hex, stable across polls and editions
    duplicates INTEGER NOT NULL DEFAULT 0 -- near-identical wire copies folded into the cluster
);

CREATE TABLE IF NOT EXISTS cluster_articles (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    cluster_id TEXT NOT NULL REFERENCES clusters (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS cluster_articles_cluster ON cluster_articles (cluster_id);


CREATE TABLE IF NOT EXISTS summaries (
    key TEXT PRIMARY KEY,        -- sha256 of the cluster content + prompt version + backend + model + check
    summariser TEXT NOT NULL,    -- "extractive" or "openai"
    model TEXT,
    json TEXT NOT NULL           -- the checked Summary
);
"""

MIGRATIONS: list[str] = [
    _VERSION_1,
    # 2: what each item is (news, opinion, live, roundup, promo, other); existing articles count as news
    "ALTER TABLE articles ADD COLUMN kind TEXT NOT NULL DEFAULT 'news';",
    # 3: placeholder dates (the .NET/Go zero date, year 1) stored by older versions broke date arithmetic in every
    # later stage; such an article counts as published when it was first seen, as parse now decides
    "UPDATE articles SET published = first_seen WHERE published < '1990-01-01';",
    # 4: explicit order columns instead of rowid (the order feeds were configured, the order feeds brought an
    # article), and when each cached summary was made (retention); existing summaries count as made now
    """
    ALTER TABLE feeds ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
    UPDATE feeds SET position = rowid;
    CREATE INDEX feeds_position ON feeds (position);
    ALTER TABLE article_feeds ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
    UPDATE article_feeds SET position = rowid;
    ALTER TABLE summaries ADD COLUMN created TEXT NOT NULL DEFAULT '';
    UPDATE summaries SET created = strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000+00:00';
    CREATE INDEX summaries_created ON summaries (created);
    """,
    # 5: the sends ledger keyed by channel too, with the states that make delivery exactly-once under
    # concurrency and crashes; when each edition's files were published (no row: stored, not yet published)
    """
    CREATE TABLE IF NOT EXISTS sends_by_channel (
        channel TEXT NOT NULL,                -- 'email', or a configured channel's name
        edition_id TEXT NOT NULL,
        recipient TEXT NOT NULL,              -- lower-cased address; '-' for a chat or webhook channel
        status TEXT NOT NULL,                 -- queued | sending | sent | maybe_sent | failed
        message_id TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,  -- times handed over or tried
        resends INTEGER NOT NULL DEFAULT 0,   -- copies beyond the first that may have arrived
        resends_reported INTEGER NOT NULL DEFAULT 0,
        claimed_by TEXT,                      -- the run that claimed it last
        error TEXT,
        permanent INTEGER NOT NULL DEFAULT 0,
        updated TEXT NOT NULL,
        PRIMARY KEY (channel, edition_id, recipient)
    );
    INSERT INTO sends_by_channel (channel, edition_id, recipient, status, message_id, attempts, error, permanent,
        updated) SELECT 'email', edition_id, recipient, status, message_id, attempts, error, permanent, updated
        FROM sends;
    DROP TABLE sends;
    ALTER TABLE sends_by_channel RENAME TO sends;
    CREATE INDEX sends_recipient_updated ON sends (recipient, updated);
    CREATE TABLE IF NOT EXISTS edition_publications (
        edition_id TEXT PRIMARY KEY REFERENCES editions (id) ON DELETE CASCADE,
        published_at TEXT NOT NULL
    );
    INSERT INTO edition_publications (edition_id, published_at) SELECT id, built_at FROM editions WHERE true
        ON CONFLICT (edition_id) DO NOTHING;
    """,
    # 6: each source text's sentence vectors per encoder, so an article is embedded once (briefing.ground)
    """
    CREATE TABLE IF NOT EXISTS sentence_vectors (
        digest TEXT NOT NULL,        -- sha256 of the split version and the source text
        model TEXT NOT NULL,         -- the encoder's name: vectors of different models never mix
        sentences INTEGER NOT NULL,
        dimensions INTEGER NOT NULL,
        vectors BLOB NOT NULL,       -- float16, one row per sentence
        created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000+00:00'),
        PRIMARY KEY (digest, model)
    );
    CREATE INDEX IF NOT EXISTS sentence_vectors_created ON sentence_vectors (created);
    """,
    # 7: the process running each run (pid and host), so that a run whose process was killed is marked
    # interrupted at the next start on its host
    """
    ALTER TABLE runs ADD COLUMN pid INTEGER;
    ALTER TABLE runs ADD COLUMN host TEXT;
    CREATE INDEX runs_running ON runs (host) WHERE status = 'running';
    """,
    # 8: per-feed span counts, from which each feed's boilerplate is learned (briefing.boilerplate)
    """
    CREATE TABLE IF NOT EXISTS feed_spans (
        feed_key TEXT NOT NULL,               -- the feed (as written in feeds.yaml) whose items carried the span
        span INTEGER NOT NULL,                -- a span id (briefing.boilerplate: signed 64-bit hash of a span)
        items INTEGER NOT NULL,               -- how many of the feed's items carried it
        last_seen TEXT NOT NULL,              -- when an item last carried it
        PRIMARY KEY (feed_key, span)
    );
    CREATE INDEX IF NOT EXISTS feed_spans_span ON feed_spans (span);
    CREATE INDEX IF NOT EXISTS feed_spans_frequent ON feed_spans (items, span);
    CREATE INDEX IF NOT EXISTS feed_spans_last_seen ON feed_spans (last_seen);
    """,
    # 9: what story clustering keeps between polls, so a fresh process need not featurise the window again
    """
    CREATE TABLE IF NOT EXISTS article_features (
        article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
        stamp TEXT NOT NULL,          -- what computed them (briefing.cluster): another stamp is not read
        features BLOB NOT NULL        -- hashed columns and weights, as briefing.cluster writes them
    );
    CREATE TABLE IF NOT EXISTS cluster_sums (
        cluster_id TEXT PRIMARY KEY REFERENCES clusters (id) ON DELETE CASCADE,
        stamp TEXT NOT NULL,
        article_ids TEXT NOT NULL,    -- the articles the sums were computed from, one id a line
        sums BLOB NOT NULL
    );
    """,
    # 10: the index that finds the spans some feed repeats holds only those (partial): most counts are of spans
    # one item carried, and indexing them by count cost every poll a third of its span writes. The 3 is
    # boilerplate.MIN_ITEMS; `frequent_spans` writes it as a literal so that the planner can use this index
    """
    DROP INDEX IF EXISTS feed_spans_frequent;
    CREATE INDEX feed_spans_frequent ON feed_spans (span) WHERE items >= 3;
    """,
    # 11: the boot each run was started in (Linux's boot id): after a reboot a run's pid may be another process's
    """
    ALTER TABLE runs ADD COLUMN boot TEXT;
    """,
    # 12: the zone each article's date was written in (models.Article.published_offset): the writer's "today"
    """
    ALTER TABLE articles ADD COLUMN published_offset INTEGER;
    """,
]
