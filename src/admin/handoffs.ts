/**
 * Handoff requests: a citizen asked for an officer. The request (pseudonymous id, channel,
 * latest messages already redacted) is stored for the dashboard and, when an officers'
 * Telegram group is configured, posted there through telegraf.
 */
import { Telegram } from 'telegraf';
import type { ChannelName } from '../dialogue/types';
import type { Logger } from '../logger';
import type { Db } from '../store/db';
import type { InteractionLog } from '../store/interactions';

/** How many of the citizen's latest messages go with the request. */
export const HANDOFF_CONTEXT = 5;

export interface HandoffRow {
  id: number;
  ts: number;
  channel: string;
  user_key: string;
  last_messages: string | null;
  status: 'open' | 'done';
  done_at: number | null;
  notified: string | null;
}

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
   * Telegram post runs in the background: the citizen's answer never waits for it.
   */
  request(userKey: string, channel: ChannelName): number {
    const open = this.db
      .prepare<[string], number>("SELECT id FROM handoffs WHERE user_key = ? AND status = 'open'")
      .pluck()
      .get(userKey);
    if (open !== undefined) return open;
    const messages = this.log
      .recent(userKey, HANDOFF_CONTEXT)
      .reverse()
      .map((r) => r.text)
      .filter((t): t is string => t !== null);
    const id = Number(
      this.db
        .prepare('INSERT INTO handoffs (ts, channel, user_key, last_messages) VALUES (?, ?, ?, ?)')
        .run(this.now(), channel, userKey, JSON.stringify(messages)).lastInsertRowid,
    );
    if (this.notifier) this.track(this.post(id, userKey, channel, messages));
    return id;
  }

  private async post(id: number, userKey: string, channel: string, messages: string[]): Promise<void> {
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

  list(status: 'open' | 'done' | 'all' = 'open', limit = 200): HandoffRow[] {
    const where = status === 'all' ? '' : 'WHERE status = ?';
    const stmt = this.db.prepare(
      `SELECT * FROM handoffs ${where} ORDER BY ts DESC LIMIT ${Math.floor(limit)}`,
    );
    return (status === 'all' ? stmt.all() : stmt.all(status)) as HandoffRow[];
  }

  /** Marks a request done; false when there is no open request with that id. */
  markDone(id: number): boolean {
    return (
      this.db
        .prepare("UPDATE handoffs SET status = 'done', done_at = ? WHERE id = ? AND status = 'open'")
        .run(this.now(), id).changes === 1
    );
  }
}
