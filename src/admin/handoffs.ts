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
import { redact } from '../store/redact';
import type { ConversationRow } from '../store/interactions';
import {
  HANDOFF_STATUSES,
  type HandoffEventRow,
  type HandoffFilter,
  type HandoffRow,
  type HandoffStatus,
  type HandoffStore,
  type NotifiedState,
  type OfficerMessageRow,
  type OfficerMessageStatus,
} from '../store/shared-handoffs';
import type { Officer } from './officers';

/** How many of the citizen's latest messages go with the request. */
export const HANDOFF_CONTEXT = 5;

export { HANDOFF_STATUSES };
export type {
  HandoffEventRow,
  HandoffFilter,
  HandoffRow,
  HandoffStatus,
  OfficerMessageRow,
  OfficerMessageStatus,
};

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

/**
 * Where the citizen's exchanges with the bot are read: the interaction log the runtime
 * writes to (src/store/interactions.ts, or its shared twin), sync or async.
 */
export interface CitizenHistory {
  recent(userKey: string, limit: number): Awaitable<readonly { text: string | null }[]>;
  conversation(userKey: string, limit: number): Awaitable<readonly ConversationRow[]>;
  lastMessageAt(userKey: string): Awaitable<number | null>;
  /** Whether the exchange is stored for good (its reply step may still roll back). */
  committed(interactionId: number): Promise<boolean>;
}

type Awaitable<T> = T | Promise<T>;

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

/**
 * The officers' inbox: its rows live in the shared store (`HandoffStore`), so every
 * instance works the same requests; this class adds the workflow's rules and the Telegram
 * post.
 */
export class Handoffs {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly store: HandoffStore,
    private readonly history: CitizenHistory,
    private readonly logger: Logger,
    private readonly notifier: OfficerNotifier | null,
    private readonly dashboardUrl: string,
  ) {}

  /**
   * Records a request unless the citizen already has an open one; resolves to its id, or
   * null when it was not stored (logged). It is filed once the exchange that asked for it
   * (`interactionId`) is committed: the reply step that runs the turn may roll back (a full
   * disk at its last write) and run again, and only the try that stays files the request.
   * The Telegram post runs in the background too: the citizen's answer never waits for it.
   */
  request(
    userKey: string,
    channel: ChannelName,
    interactionId: number | null = null,
  ): Promise<number | null> {
    const done = (async () => {
      if (interactionId !== null && !(await this.history.committed(interactionId))) return null;
      return this.file(userKey, channel);
    })().catch((err: unknown) => {
      this.logger.error({ err, channel }, 'could not record the handoff request');
      return null;
    });
    this.track(done);
    return done;
  }

  private async file(userKey: string, channel: ChannelName): Promise<number> {
    const { id, created, messages } = await this.store.open(userKey, channel, async () =>
      [...(await this.history.recent(userKey, HANDOFF_CONTEXT))]
        .reverse()
        .map((r) => r.text)
        .filter((t): t is string => t !== null),
    );
    if (created && this.notifier) this.track(this.post(id, userKey, channel, messages));
    return id;
  }

  /**
   * Posts once per request: the row is claimed first (`notified` from null to 'sending'), so
   * a request filed again (another instance) is not posted twice, and one that is not
   * stored is never posted.
   */
  private async post(id: number, userKey: string, channel: string, messages: string[]): Promise<void> {
    let claimed: boolean;
    try {
      claimed = await this.store.claimNotification(id, userKey);
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
    let state: NotifiedState = 'sent';
    try {
      await this.notifier!.notify(text);
    } catch (err) {
      if (err instanceof NotificationHeld) {
        this.logger.warn(
          { handoffId: id },
          'officer notifications over their limit: the request is on the dashboard',
        );
        state = 'held';
      } else {
        this.logger.error(
          { err: { message: (err as Error).message }, handoffId: id },
          'could not post the handoff to Telegram',
        );
        state = 'failed';
      }
    }
    try {
      await this.store.setNotified(id, state);
    } catch (err) {
      this.logger.error({ err, handoffId: id }, 'could not record whether the handoff was posted');
    }
  }

  private track(p: Promise<unknown>) {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Resolves once every request being filed and every Telegram post has finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Requests newest first; `status` 'open' means anything not closed. */
  async list(status: HandoffStatus | 'open' | 'all' = 'open', limit = 200): Promise<HandoffRow[]> {
    return (await this.search({ status, pageSize: limit })).rows;
  }

  /** Filtered, paged requests (page 1 first) and how many match in all. */
  search(filter: HandoffFilter): Promise<{ rows: HandoffRow[]; total: number }> {
    return this.store.search(filter);
  }

  /** Requests waiting for an officer (new or assigned): the count in the dashboard header. */
  waiting(): Promise<number> {
    return this.store.waiting();
  }

  get(id: number): Promise<HandoffRow | undefined> {
    return this.store.get(id);
  }

  /** The citizen's latest exchanges with the bot and every officer message, oldest first. */
  async conversation(h: HandoffRow, limit = 30): Promise<ConversationLine[]> {
    const [rows, officerMessages] = await Promise.all([
      this.history.conversation(h.user_key, limit),
      this.store.officerMessages(h.user_key),
    ]);
    const lines: ConversationLine[] = [];
    for (const r of [...rows].reverse()) {
      lines.push({ ts: r.ts, who: 'citizen', text: r.text, payload: r.text === null ? r.payload : null });
      if (r.kind === 'answer' || r.kind === 'fallback' || r.kind === 'guide')
        lines.push({ ts: r.ts, who: 'bot', text: null, answerId: r.answer_id });
    }
    for (const m of officerMessages)
      lines.push({ ts: m.ts, who: 'officer', text: m.text, officer: m.officer_name, status: m.status });
    return lines.sort((a, b) => a.ts - b.ts);
  }

  officerMessages(userKey: string): Promise<OfficerMessageRow[]> {
    return this.store.officerMessages(userKey);
  }

  /** Officer messages for a web chat citizen after `afterId`; marks them shown. */
  webMessagesFor(userKey: string, afterId: number): Promise<OfficerMessageRow[]> {
    return this.store.webMessagesFor(userKey, afterId);
  }

  events(id: number): Promise<HandoffEventRow[]> {
    return this.store.events(id);
  }

  /** When the citizen last wrote (any channel row of theirs), for the platforms' reply windows. */
  async lastCitizenMessage(userKey: string): Promise<number | null> {
    return this.history.lastMessageAt(userKey);
  }

  async assign(id: number, to: Officer, by: Officer): Promise<boolean> {
    const h = await this.get(id);
    if (!h) return false;
    await this.store.assign(h, to, by);
    return true;
  }

  /** Closes or reopens (reopening goes back to assigned, or new when nobody has it). */
  async setStatus(id: number, status: 'closed' | 'reopen', by: Officer): Promise<boolean> {
    const h = await this.get(id);
    if (!h) return false;
    if (status === 'closed') {
      if (h.status === 'closed') return false;
      await this.store.close(h, by);
    } else {
      if (h.status !== 'closed') return false;
      await this.store.reopen(h, by);
    }
    return true;
  }

  /** The private note (officers only; redacted like everything stored). */
  async setNote(id: number, note: string, by: Officer): Promise<boolean> {
    const h = await this.get(id);
    if (!h) return false;
    await this.store.setNote(h, note.trim() === '' ? null : redact(note.trim()), by);
    return true;
  }

  /**
   * Stores an officer's reply (redacted) as pending, marks the request answered and assigned
   * to its author when nobody had it; returns the message id. Sending is the caller's.
   */
  recordReply(h: HandoffRow, text: string, by: Officer): Promise<number> {
    return this.store.recordReply(h, redact(text), by);
  }

  async markReply(messageId: number, status: OfficerMessageStatus, detail?: string): Promise<void> {
    await this.store.markReply(messageId, status, detail);
  }
}
