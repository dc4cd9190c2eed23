/**
 * Schema history. Append a migration with the next free number; never edit one that has
 * shipped. Number ranges keep parallel work apart: 1–99 core, 100–199 channels
 * (inbox/outbox, tokens), 200–299 interaction log and reports.
 */
export interface Migration {
  version: number;
  name: string;
  up: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'sessions',
    up: `
      CREATE TABLE sessions (
        user_key   TEXT PRIMARY KEY,
        state      TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX sessions_expires_at ON sessions (expires_at);
    `,
  },
  {
    version: 100,
    name: 'channel inbox/outbox, offered buttons, platform tokens',
    up: `
      -- Every accepted platform event, deduped on (channel, event_id), with its stored reply.
      CREATE TABLE channel_inbox (
        id             INTEGER PRIMARY KEY,
        channel        TEXT NOT NULL,
        event_id       TEXT NOT NULL,
        user_id        TEXT NOT NULL,
        text           TEXT,
        payload        TEXT,
        tap_candidate  INTEGER NOT NULL DEFAULT 0,
        meta           TEXT,
        event_time     INTEGER NOT NULL,
        received_at    INTEGER NOT NULL,
        state          TEXT NOT NULL CHECK (state IN ('accepted', 'answered', 'delivered', 'failed')),
        interaction_id INTEGER,
        parts          TEXT,
        parts_sent     INTEGER NOT NULL DEFAULT 0,
        error          TEXT,
        updated_at     INTEGER NOT NULL,
        UNIQUE (channel, event_id)
      );
      CREATE INDEX channel_inbox_open ON channel_inbox (id) WHERE state IN ('accepted', 'answered');
      CREATE INDEX channel_inbox_done ON channel_inbox (updated_at) WHERE state IN ('delivered', 'failed');

      -- The payloads of the buttons last shown to a user: Zalo taps come back as plain text.
      CREATE TABLE channel_offers (
        channel    TEXT NOT NULL,
        user_id    TEXT NOT NULL,
        payloads   TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (channel, user_id)
      );

      -- Tokens the bot renews itself; seed is a hash of the pair last read from the environment.
      CREATE TABLE channel_tokens (
        channel       TEXT PRIMARY KEY,
        access_token  TEXT NOT NULL,
        refresh_token TEXT,
        expires_at    INTEGER,
        seed          TEXT NOT NULL,
        updated_at    INTEGER NOT NULL
      );
    `,
  },
  {
    version: 200,
    name: 'interaction log, citizens, contacts, feedback, links, handoffs, daily rollups',
    up: `
      -- One row per message in and the reply out. text/payload/normalised are redacted before
      -- insert and set to NULL after RETENTION_DAYS; the row (and so every count) stays.
      CREATE TABLE interactions (
        id              INTEGER PRIMARY KEY,
        ts              INTEGER NOT NULL,
        channel         TEXT NOT NULL,
        user_key        TEXT NOT NULL,
        message_id      TEXT NOT NULL,
        kind            TEXT NOT NULL,
        text            TEXT,
        payload         TEXT,
        normalised      TEXT,
        intent          TEXT,
        confidence      REAL NOT NULL,
        answer_id       TEXT,
        content_version TEXT NOT NULL,
        replies         INTEGER NOT NULL,
        latency_ms      INTEGER NOT NULL,
        conv_start      INTEGER NOT NULL,
        status          TEXT NOT NULL,
        status_detail   TEXT
      );
      CREATE INDEX interactions_user ON interactions (user_key, ts);
      CREATE INDEX interactions_ts ON interactions (ts);
      CREATE INDEX interactions_failed ON interactions (ts) WHERE status = 'failed';

      -- First and last contact per pseudonymous citizen: new vs returning, the privacy notice.
      CREATE TABLE citizens (
        user_key   TEXT PRIMARY KEY,
        channel    TEXT NOT NULL,
        first_seen INTEGER NOT NULL
      );
      CREATE INDEX citizens_first_seen ON citizens (first_seen);

      -- The raw platform id, kept apart from the log, only to reply (e.g. after a handoff).
      CREATE TABLE contacts (
        user_key         TEXT PRIMARY KEY,
        channel          TEXT NOT NULL,
        platform_user_id TEXT NOT NULL
      );

      CREATE TABLE feedback (
        id             INTEGER PRIMARY KEY,
        ts             INTEGER NOT NULL,
        channel        TEXT NOT NULL,
        user_key       TEXT NOT NULL,
        interaction_id INTEGER,
        answer_id      TEXT,
        rating         INTEGER NOT NULL CHECK (rating IN (-1, 1))
      );
      CREATE INDEX feedback_ts ON feedback (ts);
      CREATE INDEX feedback_user ON feedback (user_key);

      -- A tracked link shown to one citizen; /r/<token> counts the click and redirects.
      CREATE TABLE links (
        token      TEXT PRIMARY KEY,
        url        TEXT NOT NULL,
        ts         INTEGER NOT NULL,
        channel    TEXT NOT NULL,
        user_key   TEXT NOT NULL,
        answer_id  TEXT
      );
      CREATE INDEX links_user ON links (user_key);
      CREATE TABLE clicks (
        id         INTEGER PRIMARY KEY,
        ts         INTEGER NOT NULL,
        token      TEXT NOT NULL,
        channel    TEXT NOT NULL,
        user_key   TEXT NOT NULL,
        answer_id  TEXT,
        url        TEXT NOT NULL
      );
      CREATE INDEX clicks_ts ON clicks (ts);
      CREATE INDEX clicks_user ON clicks (user_key);

      CREATE TABLE handoffs (
        id            INTEGER PRIMARY KEY,
        ts            INTEGER NOT NULL,
        channel       TEXT NOT NULL,
        user_key      TEXT NOT NULL,
        last_messages TEXT,
        status        TEXT NOT NULL DEFAULT 'open',
        done_at       INTEGER,
        notified      TEXT
      );
      CREATE INDEX handoffs_ts ON handoffs (ts);
      CREATE INDEX handoffs_user ON handoffs (user_key);
      CREATE INDEX handoffs_open ON handoffs (status, ts);

      -- Daily rollups (Vietnam days, UTC+7) of interactions up to rollup_state.last_id, so a
      -- quarter report reads thousands of rows instead of a million. All counts are additive.
      CREATE TABLE rollup_state (id INTEGER PRIMARY KEY CHECK (id = 1), last_id INTEGER NOT NULL);
      INSERT INTO rollup_state (id, last_id) VALUES (1, 0);
      CREATE TABLE daily_stats (
        day           TEXT NOT NULL,
        channel       TEXT NOT NULL,
        messages_in   INTEGER NOT NULL,
        messages_out  INTEGER NOT NULL,
        answered      INTEGER NOT NULL,
        fallbacks     INTEGER NOT NULL,
        conversations INTEGER NOT NULL,
        PRIMARY KEY (day, channel)
      ) WITHOUT ROWID;
      CREATE TABLE daily_intents (
        day     TEXT NOT NULL,
        channel TEXT NOT NULL,
        intent  TEXT NOT NULL,
        n       INTEGER NOT NULL,
        PRIMARY KEY (day, channel, intent)
      ) WITHOUT ROWID;
      CREATE TABLE daily_users (
        day      TEXT NOT NULL,
        channel  TEXT NOT NULL,
        user_key TEXT NOT NULL,
        PRIMARY KEY (day, channel, user_key)
      ) WITHOUT ROWID;
      CREATE INDEX daily_users_user ON daily_users (user_key);
      CREATE TABLE daily_latency (
        day        TEXT NOT NULL,
        channel    TEXT NOT NULL,
        latency_ms INTEGER NOT NULL,
        n          INTEGER NOT NULL,
        PRIMARY KEY (day, channel, latency_ms)
      ) WITHOUT ROWID;
      CREATE TABLE daily_unanswered (
        day        TEXT NOT NULL,
        channel    TEXT NOT NULL,
        normalised TEXT NOT NULL,
        n          INTEGER NOT NULL,
        example    TEXT,
        PRIMARY KEY (day, channel, normalised)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 201,
    name: 'guide steps and stickers/images are not questions: reclassify, rebuild rollups',
    up: `
      -- '#next'/'#all' (a further step of an answer) and '#unsupported' (a sticker, image, file
      -- or location) were logged as answers/fallbacks and counted as questions.
      UPDATE interactions SET kind = 'unsupported' WHERE kind = 'fallback' AND payload = '#unsupported';
      UPDATE interactions SET kind = 'guide' WHERE kind IN ('answer', 'fallback') AND payload IN ('#next', '#all');
      -- Rollups are rebuilt from the log at the next report, only if something was reclassified.
      DELETE FROM daily_stats WHERE EXISTS (SELECT 1 FROM interactions WHERE kind IN ('guide', 'unsupported'));
      DELETE FROM daily_intents WHERE EXISTS (SELECT 1 FROM interactions WHERE kind IN ('guide', 'unsupported'));
      DELETE FROM daily_users WHERE EXISTS (SELECT 1 FROM interactions WHERE kind IN ('guide', 'unsupported'));
      DELETE FROM daily_latency WHERE EXISTS (SELECT 1 FROM interactions WHERE kind IN ('guide', 'unsupported'));
      DELETE FROM daily_unanswered WHERE EXISTS (SELECT 1 FROM interactions WHERE kind IN ('guide', 'unsupported'));
      UPDATE rollup_state SET last_id = 0 WHERE EXISTS (SELECT 1 FROM interactions WHERE kind IN ('guide', 'unsupported'));
    `,
  },
  {
    version: 202,
    name: "officers' inbox: officer accounts, handoff statuses, officer replies, who did what",
    up: `
      -- Officer accounts added by an admin (ADMIN_PASSWORD stays the built-in admin).
      CREATE TABLE officers (
        id            INTEGER PRIMARY KEY,
        username      TEXT NOT NULL UNIQUE,
        name          TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('admin', 'officer')),
        created_at    INTEGER NOT NULL,
        created_by    TEXT NOT NULL
      );
      -- Statuses: new → assigned → answered → closed (and back by reopening).
      UPDATE handoffs SET status = CASE status WHEN 'done' THEN 'closed' ELSE 'new' END;
      ALTER TABLE handoffs ADD COLUMN assigned_to INTEGER;
      ALTER TABLE handoffs ADD COLUMN assigned_name TEXT;
      ALTER TABLE handoffs ADD COLUMN note TEXT;
      ALTER TABLE handoffs ADD COLUMN updated_at INTEGER;
      -- What an officer wrote to a citizen (redacted), and whether it reached them.
      CREATE TABLE officer_messages (
        id           INTEGER PRIMARY KEY,
        ts           INTEGER NOT NULL,
        handoff_id   INTEGER NOT NULL,
        channel      TEXT NOT NULL,
        user_key     TEXT NOT NULL,
        officer_id   INTEGER NOT NULL,
        officer_name TEXT NOT NULL,
        text         TEXT,
        status       TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'outside_window')),
        detail       TEXT
      );
      CREATE INDEX officer_messages_user ON officer_messages (user_key, id);
      CREATE INDEX officer_messages_ts ON officer_messages (ts);
      -- Every assignment, status change, note and reply: who and when.
      CREATE TABLE handoff_events (
        id           INTEGER PRIMARY KEY,
        ts           INTEGER NOT NULL,
        handoff_id   INTEGER NOT NULL,
        user_key     TEXT NOT NULL,
        officer_id   INTEGER NOT NULL,
        officer_name TEXT NOT NULL,
        action       TEXT NOT NULL,
        detail       TEXT
      );
      CREATE INDEX handoff_events_handoff ON handoff_events (handoff_id, id);
      CREATE INDEX handoff_events_user ON handoff_events (user_key);
    `,
  },
  {
    version: 203,
    name: 'procedure answers: the procedure code and the facets each reply covers',
    up: `
      -- Set when the reply answers (or offers) a procedure of the catalogue; facets comma-separated.
      ALTER TABLE interactions ADD COLUMN procedure TEXT;
      ALTER TABLE interactions ADD COLUMN facets TEXT;
      CREATE INDEX interactions_procedure ON interactions (ts, procedure) WHERE procedure IS NOT NULL;
    `,
  },
  {
    version: 204,
    name: 'store probe: one row /healthz rewrites to learn whether the disk takes writes again',
    up: `
      CREATE TABLE store_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL);
    `,
  },
  {
    version: 205,
    name: 'the shared store (src/store/store.ts) on this file: inbox leases, flood counters',
    up: `
      -- Who works on an open event, until when (src/store/shared-inbox.ts); unused by one process.
      ALTER TABLE channel_inbox ADD COLUMN lease_owner TEXT;
      ALTER TABLE channel_inbox ADD COLUMN lease_until INTEGER;
      -- Flood windows kept in the store (src/store/shared-sessions.ts), as on PostgreSQL.
      CREATE TABLE flood_counters (
        user_key   TEXT PRIMARY KEY,
        times      TEXT NOT NULL,
        warned     INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX flood_counters_updated_at ON flood_counters (updated_at);
    `,
  },
  {
    version: 206,
    name: 'one rating per citizen and answer, a unique key as on PostgreSQL',
    up: `
      -- The bot updated a second tap's rating in place; a key makes it a rule of the table.
      DELETE FROM feedback WHERE id NOT IN (SELECT max(id) FROM feedback GROUP BY user_key, interaction_id);
      CREATE UNIQUE INDEX feedback_one_rating ON feedback (user_key, interaction_id);
    `,
  },
];
