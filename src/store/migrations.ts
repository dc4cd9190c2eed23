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
];
