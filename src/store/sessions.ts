import { z } from 'zod';
import type { Db } from './db';

/** What the dialogue remembers about one citizen between messages. */
export const sessionStateSchema = z.object({
  lastIntent: z.string().nullable().default(null),
  /** The guide being walked and the 0-based index of the step last shown (-1: none yet). */
  guide: z
    .object({ intent: z.string(), step: z.number().int().min(-1) })
    .nullable()
    .default(null),
  /** A pending yes/no question, e.g. confirming data deletion. */
  pending: z.string().nullable().default(null),
  /**
   * The procedure conversation (src/procedures/assistant.ts): the procedure in focus, the
   * codes last offered as choices (in order), and the facets last answered.
   */
  procedure: z
    .object({
      focus: z.string().nullable().default(null),
      options: z.array(z.string()).default([]),
      facets: z.array(z.string()).default([]),
    })
    .default({ focus: null, options: [], facets: [] }),
});
export type SessionState = z.infer<typeof sessionStateSchema>;

export const emptySession = (): SessionState => ({
  lastIntent: null,
  guide: null,
  pending: null,
  procedure: { focus: null, options: [], facets: [] },
});

/** Per-user dialogue state in SQLite; an entry older than its TTL reads as empty. */
/** What the engine and the steps read and write during a turn (synchronously). */
export interface Sessions {
  get(userKey: string): SessionState;
  set(userKey: string, state: SessionState): void;
}

export class SessionStore implements Sessions {
  private readonly getStmt;
  private readonly putStmt;
  private readonly purgeStmt;

  constructor(
    db: Db,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.getStmt = db.prepare<[string, number], { state: string }>(
      'SELECT state FROM sessions WHERE user_key = ? AND expires_at > ?',
    );
    this.putStmt = db.prepare<[string, string, number]>(
      `INSERT INTO sessions (user_key, state, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (user_key) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at`,
    );
    this.purgeStmt = db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?');
  }

  get(userKey: string): SessionState {
    const row = this.getStmt.get(userKey, this.now());
    if (!row) return emptySession();
    const parsed = sessionStateSchema.safeParse(JSON.parse(row.state));
    return parsed.success ? parsed.data : emptySession();
  }

  set(userKey: string, state: SessionState): void {
    this.putStmt.run(userKey, JSON.stringify(state), this.now() + this.ttlMs);
  }

  /** Deletes expired entries; returns how many. */
  purgeExpired(): number {
    return this.purgeStmt.run(this.now()).changes;
  }
}
