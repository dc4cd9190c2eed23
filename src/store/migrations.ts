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
];
