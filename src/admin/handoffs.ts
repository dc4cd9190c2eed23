/**
 * Handoff requests and the officers' inbox: a citizen asked for an officer. The request
 * (pseudonymous id, channel, latest messages already redacted) is stored for the dashboard
 * and, when an officers' Telegram group is configured, posted there through telegraf.
 * Officers then work it: assign, reply (the reply is stored redacted and sent on the
 * citizen's channel by src/admin/officer-send.ts), note, close, reopen. Every such step is
 * a handoff_events row naming the officer.
 */
import { Telegram } from 'telegraf';
import type { ChannelName } from '../dialogue/types';
import type { Logger } from '../logger';
import type { Db } from '../store/db';
import type { InteractionLog } from '../store/interactions';
import { redact } from '../store/redact';
import type { Officer } from './officers';

/** How many of the citizen's latest messages go with the request. */
export const HANDOFF_CONTEXT = 5;

/** new → assigned → answered → closed; "open" in filters means any status but closed. */
export const HANDOFF_STATUSES = ['new', 'assigned', 'answered', 'closed'] as const;
export type HandoffStatus = (typeof HANDOFF_STATUSES)[number];

export interface HandoffRow {
  id: number;
  ts: number;
  channel: string;
  user_key: string;
  last_messages: string | null;
  status: HandoffStatus;
  done_at: number | null;
  notified: string | null;
  assigned_to: number | null;
  assigned_name: string | null;
  note: string | null;
  updated_at: number | null;
}

export interface HandoffFilter {
  status?: HandoffStatus | 'open' | 'all';
  channel?: string | null;
  /** An officer id, or 'none' for unassigned requests. */
  assigned?: number | 'none' | null;
  page?: number;
  pageSize?: number;
}

export type OfficerMessageStatus = 'pending' | 'delivered' | 'failed' | 'outside_window';

export interface OfficerMessageRow {
  id: number;
  ts: number;
  handoff_id: number;
  channel: string;
  user_key: string;
  officer_id: number;
  officer_name: string;
  text: string | null;
  status: OfficerMessageStatus;
  detail: string | null;
}

export interface HandoffEventRow {
  id: number;
  ts: number;
  officer_name: string;
  action: string;
  detail: string | null;
}

/** One line of the conversation view: the citizen, the bot (answer id) or an officer. */
export interface ConversationLine {
  ts: number;
  who: 'citizen' | 'bot' | 'officer';
  text: string | null;
  /** A button the citizen tapped (an intent id or a guide control). */
  payload?: string | null;
  answerId?: string | null;
  officer?: string;
  status?: OfficerMessageStatus;
}

const OPEN = "status <> 'closed'";

export interface OfficerNotifier {
  notify(text: string): Promise<void>;
}

/** Posts to the officers' Telegram group; the API root comes from config (a fake in tests). */
export function telegramNotifier(token: string, chatId: string, apiRoot: string): OfficerNotifier {
  const telegram = new Telegram(token, { apiRoot });
  return {
    async notify(text) {
      try {
        await telegram.sendMessage(chatId, text, { link_preview_options: { is_disabled: true } });
      } catch (err) {
        // Network errors quote the request URL, which contains the bot token: keep only a
        // scrubbed message, not the original error.
        // eslint-disable-next-line preserve-caught-error
        throw new Error(
          String((err as Error).message)
            .split(token)
            .join('[token]'),
        );
      }
    },
  };
}

/** Thrown by `limitedNotifier` for a post held back: the request waits on the dashboard. */
export class NotificationHeld extends Error {
  constructor() {
    super('officer notifications are over their limit; the request is on the dashboard');
    this.name = 'NotificationHeld';
  }
}

/**
 * At most the limiter's number of posts per window, however many ids asked (30 requests
 * from 30 fresh ids posted 30 messages into the officers' group, issue #13 finding 7).
 * A post held back throws `NotificationHeld`; the next post says how many were held.
 */
export function limitedNotifier(
  inner: OfficerNotifier,
  limiter: { take(key: string): number },
): OfficerNotifier {
  let held = 0;
  return {
    async notify(text) {
      if (limiter.take('officers') > 0) {
        held++;
        throw new NotificationHeld();
      }
      const note =
        held > 0
          ? `\n(Ngoài ra có ${held} yêu cầu khác chưa báo ở đây vì quá nhiều cùng lúc: xem trên trang quản trị.)`
          : '';
      const count = held;
      held = 0;
      try {
        await inner.notify(text + note);
      } catch (err) {
        held += count;
        throw err;
      }
    },
  };
}

const CHANNEL_LABEL: Record<string, string> = {
  web: 'Web',
  zalo: 'Zalo',
  messenger: 'Messenger',
  telegram: 'Telegram',
  cli: 'Terminal',
};

export class Handoffs {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly log: InteractionLog,
    private readonly logger: Logger,
    private readonly notifier: OfficerNotifier | null,
    private readonly dashboardUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records a request unless the citizen already has an open one; returns its id. The
   * Telegram post runs in the background: the citizen's answer never waits for it. It goes
   * out once the request is committed (see `post`).
   */
  request(userKey: string, channel: ChannelName): number {
    const open = this.db
      .prepare<[string], number>(`SELECT id FROM handoffs WHERE user_key = ? AND ${OPEN}`)
      .pluck()
      .get(userKey);
    if (open !== undefined) {
      // Asked again after an answer: back to the officers' "new" pile.
      this.db
        .prepare("UPDATE handoffs SET status = 'new', updated_at = ? WHERE id = ? AND status = 'answered'")
        .run(this.now(), open);
      return open;
    }
    const messages = this.log
      .recent(userKey, HANDOFF_CONTEXT)
      .reverse()
      .map((r) => r.text)
      .filter((t): t is string => t !== null);
    const id = Number(
      this.db
        .prepare(
          "INSERT INTO handoffs (ts, channel, user_key, last_messages, status, updated_at) VALUES (?, ?, ?, ?, 'new', ?)",
        )
        .run(this.now(), channel, userKey, JSON.stringify(messages), this.now()).lastInsertRowid,
    );
    if (this.notifier) this.track(this.post(id, userKey, channel, messages));
    return id;
  }

  /**
   * The request is filed inside the reply step's transaction (src/channels/delivery.ts),
   * which may still roll back — a full disk at its last write — and run again later, filing
   * the request anew. So the post waits until no transaction is open (better-sqlite3's
   * transactions are synchronous: the next turn of the event loop), then claims the row: a
   * rolled-back request is not there, and a row already claimed was posted by another try.
   */
  private async post(id: number, userKey: string, channel: string, messages: string[]): Promise<void> {
    do await new Promise((resolve) => setImmediate(resolve));
    while (this.db.inTransaction);
    let claimed: boolean;
    try {
      claimed =
        this.db
          .prepare(
            "UPDATE handoffs SET notified = 'sending' WHERE id = ? AND user_key = ? AND notified IS NULL",
          )
          .run(id, userKey).changes === 1;
    } catch (err) {
      this.logger.error(
        { err: { message: (err as Error).message }, handoffId: id },
        'could not record the handoff post; not posted to Telegram: the request is on the dashboard',
      );
      return;
    }
    if (!claimed) return;
    const text = [
      `🙋 Yêu cầu gặp cán bộ #${id}`,
      `Kênh: ${CHANNEL_LABEL[channel] ?? channel} · Mã người dân: ${userKey.slice(0, 12)}`,
      messages.length > 0 ? `Tin nhắn gần đây:\n${messages.map((m) => `• ${m}`).join('\n')}` : '',
      `Xử lý tại: ${this.dashboardUrl}`,
    ]
      .filter(Boolean)
      .join('\n');
    try {
      await this.notifier!.notify(text);
      this.db.prepare("UPDATE handoffs SET notified = 'sent' WHERE id = ?").run(id);
    } catch (err) {
      if (err instanceof NotificationHeld) {
        this.logger.warn(
          { handoffId: id },
          'officer notifications over their limit: the request is on the dashboard',
        );
        this.db.prepare("UPDATE handoffs SET notified = 'held' WHERE id = ?").run(id);
        return;
      }
      this.logger.error(
        { err: { message: (err as Error).message }, handoffId: id },
        'could not post the handoff to Telegram',
      );
      this.db.prepare("UPDATE handoffs SET notified = 'failed' WHERE id = ?").run(id);
    }
  }

  private track(p: Promise<void>) {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Resolves once every background Telegram post has finished (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Requests newest first; `status` 'open' means anything not closed. */
  list(status: HandoffStatus | 'open' | 'all' = 'open', limit = 200): HandoffRow[] {
    return this.search({ status, pageSize: limit }).rows;
  }

  /** Filtered, paged requests (page 1 first) and how many match in all. */
  search(filter: HandoffFilter): { rows: HandoffRow[]; total: number } {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    const status = filter.status ?? 'open';
    if (status === 'open') where.push(OPEN);
    else if (status !== 'all') {
      where.push('status = @status');
      params.status = status;
    }
    if (filter.channel) {
      where.push('channel = @channel');
      params.channel = filter.channel;
    }
    if (filter.assigned === 'none') where.push('assigned_to IS NULL');
    else if (typeof filter.assigned === 'number') {
      where.push('assigned_to = @assigned');
      params.assigned = filter.assigned;
    }
    const sql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const pageSize = Math.max(1, Math.min(200, Math.floor(filter.pageSize ?? 20)));
    const offset = (Math.max(1, Math.floor(filter.page ?? 1)) - 1) * pageSize;
    const total = this.db.prepare(`SELECT count(*) FROM handoffs ${sql}`).pluck().get(params) as number;
    const rows = this.db
      .prepare(`SELECT * FROM handoffs ${sql} ORDER BY ts DESC, id DESC LIMIT ${pageSize} OFFSET ${offset}`)
      .all(params) as HandoffRow[];
    return { rows, total };
  }

  /** Requests waiting for an officer (new or assigned): the count in the dashboard header. */
  waiting(): number {
    return this.db
      .prepare("SELECT count(*) FROM handoffs WHERE status IN ('new', 'assigned')")
      .pluck()
      .get() as number;
  }

  get(id: number): HandoffRow | undefined {
    return this.db.prepare('SELECT * FROM handoffs WHERE id = ?').get(id) as HandoffRow | undefined;
  }

  /** The citizen's latest exchanges with the bot and every officer message, oldest first. */
  conversation(h: HandoffRow, limit = 30): ConversationLine[] {
    const rows = this.db
      .prepare(
        `SELECT ts, kind, text, payload, answer_id FROM interactions WHERE user_key = ?
         ORDER BY ts DESC, id DESC LIMIT ${Math.floor(limit)}`,
      )
      .all(h.user_key) as {
      ts: number;
      kind: string;
      text: string | null;
      payload: string | null;
      answer_id: string | null;
    }[];
    const lines: ConversationLine[] = [];
    for (const r of rows.reverse()) {
      lines.push({ ts: r.ts, who: 'citizen', text: r.text, payload: r.text === null ? r.payload : null });
      if (r.kind === 'answer' || r.kind === 'fallback' || r.kind === 'guide')
        lines.push({ ts: r.ts, who: 'bot', text: null, answerId: r.answer_id });
    }
    for (const m of this.officerMessages(h.user_key))
      lines.push({ ts: m.ts, who: 'officer', text: m.text, officer: m.officer_name, status: m.status });
    return lines.sort((a, b) => a.ts - b.ts);
  }

  officerMessages(userKey: string): OfficerMessageRow[] {
    return this.db
      .prepare('SELECT * FROM officer_messages WHERE user_key = ? ORDER BY id')
      .all(userKey) as OfficerMessageRow[];
  }

  /** Officer messages for a web chat citizen after `afterId`; marks them shown. */
  webMessagesFor(userKey: string, afterId: number): OfficerMessageRow[] {
    const rows = this.db
      .prepare(
        "SELECT * FROM officer_messages WHERE user_key = ? AND channel = 'web' AND id > ? ORDER BY id LIMIT 20",
      )
      .all(userKey, afterId) as OfficerMessageRow[];
    const pending = rows.filter((r) => r.status === 'pending').map((r) => r.id);
    if (pending.length > 0)
      this.db
        .prepare(
          `UPDATE officer_messages SET status = 'delivered', detail = 'shown in the web chat' WHERE id IN (${pending.join(',')})`,
        )
        .run();
    return rows;
  }

  events(id: number): HandoffEventRow[] {
    return this.db
      .prepare(
        'SELECT id, ts, officer_name, action, detail FROM handoff_events WHERE handoff_id = ? ORDER BY id',
      )
      .all(id) as HandoffEventRow[];
  }

  /** When the citizen last wrote (any channel row of theirs), for the platforms' reply windows. */
  lastCitizenMessage(userKey: string): number | null {
    return (
      (this.db.prepare('SELECT max(ts) FROM interactions WHERE user_key = ?').pluck().get(userKey) as
        number | null) ?? null
    );
  }

  assign(id: number, to: Officer, by: Officer): boolean {
    const h = this.get(id);
    if (!h) return false;
    const status = h.status === 'new' ? 'assigned' : h.status;
    this.db
      .prepare(
        'UPDATE handoffs SET assigned_to = ?, assigned_name = ?, status = ?, updated_at = ? WHERE id = ?',
      )
      .run(to.id, to.name, status, this.now(), id);
    this.event(h, by, 'assign', to.name);
    return true;
  }

  /** Closes or reopens (reopening goes back to assigned, or new when nobody has it). */
  setStatus(id: number, status: 'closed' | 'reopen', by: Officer): boolean {
    const h = this.get(id);
    if (!h) return false;
    if (status === 'closed') {
      if (h.status === 'closed') return false;
      this.db
        .prepare("UPDATE handoffs SET status = 'closed', done_at = ?, updated_at = ? WHERE id = ?")
        .run(this.now(), this.now(), id);
      this.event(h, by, 'close', null);
    } else {
      if (h.status !== 'closed') return false;
      const next = h.assigned_to === null ? 'new' : 'assigned';
      this.db
        .prepare('UPDATE handoffs SET status = ?, done_at = NULL, updated_at = ? WHERE id = ?')
        .run(next, this.now(), id);
      this.event(h, by, 'reopen', null);
    }
    return true;
  }

  /** The private note (officers only; redacted like everything stored). */
  setNote(id: number, note: string, by: Officer): boolean {
    const h = this.get(id);
    if (!h) return false;
    const text = note.trim() === '' ? null : redact(note.trim());
    this.db.prepare('UPDATE handoffs SET note = ?, updated_at = ? WHERE id = ?').run(text, this.now(), id);
    this.event(h, by, 'note', null);
    return true;
  }

  /**
   * Stores an officer's reply (redacted) as pending, marks the request answered and assigned
   * to its author when nobody had it; returns the message id. Sending is the caller's.
   */
  recordReply(h: HandoffRow, text: string, by: Officer): number {
    const id = Number(
      this.db
        .prepare(
          `INSERT INTO officer_messages (ts, handoff_id, channel, user_key, officer_id, officer_name, text, status)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')`,
        )
        .run(this.now(), h.id, h.channel, h.user_key, by.id, by.name, redact(text)).lastInsertRowid,
    );
    this.db
      .prepare(
        `UPDATE handoffs SET status = 'answered', updated_at = @now,
           assigned_to = coalesce(assigned_to, @officer), assigned_name = coalesce(assigned_name, @name)
         WHERE id = @id`,
      )
      .run({ now: this.now(), officer: by.id, name: by.name, id: h.id });
    this.event(h, by, 'reply', null);
    return id;
  }

  markReply(messageId: number, status: OfficerMessageStatus, detail?: string): void {
    this.db
      .prepare('UPDATE officer_messages SET status = ?, detail = ? WHERE id = ?')
      .run(status, detail ?? null, messageId);
  }

  private event(h: HandoffRow, by: Officer, action: string, detail: string | null) {
    this.db
      .prepare(
        'INSERT INTO handoff_events (ts, handoff_id, user_key, officer_id, officer_name, action, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(this.now(), h.id, h.user_key, by.id, by.name, action, detail);
  }
}
