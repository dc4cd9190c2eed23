/**
 * Upgrading a SQLite file written by the synchronous store (src/store/{db,interactions,
 * feedback}.ts, src/admin/*) to the shared store: the shared migration of the log tables
 * (src/store/log-migrations.ts) keeps every row and index, and the shared repositories
 * read and extend what the old code wrote.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import os from 'node:os';
import path from 'node:path';
import type { IncomingMessage } from '../../src/core/message';
import { openDatabase } from '../../src/store/db';
import { migrateEngine, openEngine } from '../../src/store/engine';
import { FeedbackStore } from '../../src/store/feedback';
import { InteractionLog } from '../../src/store/interactions';
import { logKeyMigrations, logMigrations } from '../../src/store/log-migrations';
import type { LogSchema } from '../../src/store/log-schema';
import { SharedInteractions } from '../../src/store/shared-interactions';
import { HandoffStore } from '../../src/store/shared-handoffs';
import { OfficerStore } from '../../src/store/shared-officers';
import { describeSqliteOnly } from '../support/test-engine';

/** Every table of the log's migration, as the shared schema names them. */
const LOG_TABLES: Record<keyof LogSchema, true> = {
  interactions: true,
  citizens: true,
  contacts: true,
  feedback: true,
  links: true,
  clicks: true,
  handoffs: true,
  officers: true,
  officer_messages: true,
  handoff_events: true,
  rollup_state: true,
  daily_stats: true,
  daily_intents: true,
  daily_users: true,
  daily_latency: true,
  daily_unanswered: true,
};

const msg = (n: number, text: string, ts: number): IncomingMessage =>
  ({ channel: 'zalo', userId: 'zalo-1', messageId: `m${n}`, text, timestamp: ts }) as IncomingMessage;
const res = (answerId: string | null) => ({
  userKey: 'k1',
  reply: { blocks: [{}] },
  intent: answerId,
  confidence: 0.9,
  answerId,
  normalisedText: 'x',
  contentVersion: 'v1',
});

describeSqliteOnly('upgrades an SQLite file written by the older synchronous store')(
  'upgrading an old SQLite file',
  () => {
    it('keeps the rows of a database created by the current code and goes on from them', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tthc-upgrade-'));
      const file = path.join(dir, 'bot.sqlite');
      try {
        const t0 = Date.parse('2026-02-01T01:00:00Z');
        const old = openDatabase(file);
        const log = new InteractionLog(old);
        const first = log.record(msg(1, 'xin chào', t0), res('greeting'), 5, 'delivered')!;
        log.flush();
        new FeedbackStore(old, () => t0).rate({
          userKey: 'k1',
          channel: 'zalo',
          interactionId: first,
          answerId: 'greeting',
          rating: 1,
        });
        old
          .prepare(
            `INSERT INTO officers (username, name, password_hash, role, created_at, created_by)
         VALUES ('lan', 'Lan', 'h', 'officer', ?, 'admin')`,
          )
          .run(t0);
        old
          .prepare(
            "INSERT INTO handoffs (ts, channel, user_key, last_messages, status) VALUES (?, 'zalo', 'k1', '[]', 'new')",
          )
          .run(t0);
        const tables = old.prepare('SELECT name, sql FROM sqlite_master ORDER BY name').all() as object[];
        old.close();

        const db = openDatabase(file);
        const engine = openEngine({ sqlite: db });
        await migrateEngine(engine, [...logMigrations, ...logKeyMigrations]);
        // Nothing was created or changed: the old file already had every table and index.
        const after = db
          .prepare(
            "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE '%store_migration%' ORDER BY name",
          )
          .all();
        expect(after).toEqual(tables);

        const shared = new SharedInteractions(engine, undefined, () => t0);
        expect(await shared.recent('k1', 5)).toEqual([
          expect.objectContaining({ id: first, answer_id: 'greeting' }),
        ]);
        // The next message continues the conversation the old code started.
        const next = await shared.record(
          msg(2, 'làm căn cước', t0 + 60_000),
          res('proc.id_card'),
          5,
          'pending',
        );
        expect(db.prepare('SELECT conv_start FROM interactions WHERE id = ?').pluck().get(next)).toBe(0);
        expect(db.prepare('SELECT count(*) FROM citizens').pluck().get()).toBe(1);
        expect(db.prepare('SELECT count(*) FROM feedback').pluck().get()).toBe(1);
        expect(await new OfficerStore(engine).list()).toEqual([expect.objectContaining({ username: 'lan' })]);
        const handoffs = new HandoffStore(engine, () => t0);
        const opened = await handoffs.open('k1', 'zalo', async () => []);
        expect(opened).toMatchObject({ created: false });
        await engine.close();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('gives a new SQLite database the same log tables, columns and indexes as the current code', async () => {
      const current = openDatabase(':memory:');
      const fresh = openEngine({ sqlite: new Database(':memory:') });
      await migrateEngine(fresh, [...logMigrations, ...logKeyMigrations]);
      const shape = async (query: (sqlText: string) => Promise<unknown[]>) => {
        const out: Record<string, unknown> = {};
        for (const table of Object.keys(LOG_TABLES)) {
          out[table] = await query(
            `SELECT name, "notnull", pk FROM pragma_table_info('${table}') ORDER BY cid`,
          );
          out[`${table} indexes`] = await query(
            `SELECT name, "unique", partial FROM pragma_index_list('${table}') WHERE origin = 'c' ORDER BY name`,
          );
        }
        return out;
      };
      const expected = await shape(async (q) => current.prepare(q).all());
      const actual = await shape(async (q) => (await sql.raw(q).execute(fresh.db)).rows);
      expect(actual).toEqual(expected);
      current.close();
      await fresh.close();
    });
  },
);
