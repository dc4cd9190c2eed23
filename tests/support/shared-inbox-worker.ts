/**
 * One stand-in instance over the shared inbox (src/store/shared-inbox.ts), for the
 * multi-process tests: an ack path (`POST /events`: store, then 200) and WORKERS loops that
 * claim events, answer them (the reply repeats the text), send the reply to the fake
 * platform (`POST {PLATFORM_URL}/send`) and finish them. It stands in for the bot's delivery
 * queue, which still runs on SQLite only; what it exercises is the store's part: dedupe,
 * claims, leases, order per citizen, takeover after a crash.
 *
 * Environment: DATABASE_URL (PostgreSQL) or DATABASE_PATH (a SQLite file), PORT, OWNER,
 * PLATFORM_URL, LEASE_MS, WORKERS.
 */
import Database from 'better-sqlite3';
import express from 'express';
import { migrateEngine, openEngine } from '../../src/store/engine';
import type { InboxInsert } from '../../src/store/inbox';
import { SharedInbox } from '../../src/store/shared-inbox';

const env = process.env;
const owner = env.OWNER ?? `instance-${process.pid}`;
const leaseMs = Number(env.LEASE_MS ?? 5_000);
const engine = env.DATABASE_URL
  ? openEngine({ url: env.DATABASE_URL, poolSize: 6 })
  : openEngine({ sqlite: sqliteFile(env.DATABASE_PATH!) });

function sqliteFile(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}
const inbox = new SharedInbox(engine);

async function work(): Promise<void> {
  for (;;) {
    const [row] = await inbox.claim(owner, 1, leaseMs);
    if (!row) {
      await new Promise((r) => setTimeout(r, 10));
      continue;
    }
    let parts = row.parts as string[];
    if (row.state === 'accepted') {
      parts = [`đáp: ${row.text ?? ''}`];
      if (!(await inbox.markAnswered(row.id, row.lease, null, parts))) continue; // lost the lease
    }
    for (let i = row.partsSent; i < parts.length; i++) {
      // A send starts only with a lease that will outlast it.
      if (!(await inbox.renew(row.id, row.lease, leaseMs))) break;
      const res = await fetch(`${env.PLATFORM_URL}/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ owner, eventId: row.eventId, userId: row.userId, part: i, text: parts[i] }),
      });
      if (!res.ok) throw new Error(`platform answered ${res.status}`);
      if (!(await inbox.markPartSent(row.id, row.lease, i + 1))) break;
    }
    await inbox.finish(row.id, row.lease, 'delivered');
  }
}

void migrateEngine(engine).then(() => {
  const app = express();
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  app.post('/events', express.json(), (req, res, next) => {
    inbox.insert(req.body as InboxInsert[]).then(() => res.sendStatus(200), next);
  });
  app.listen(Number(env.PORT), '127.0.0.1');
  for (let i = 0; i < Number(env.WORKERS ?? 3); i++)
    void work().catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
});
