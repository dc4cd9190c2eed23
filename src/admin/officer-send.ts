/**
 * Takes an officer's reply to the citizen on the channel they wrote from, within each
 * platform's rules for messages written by a person (from the project's platform notes, copied here):
 *
 *   web        the chat page polls /api/chat/officer and shows it (pending until shown)
 *   zalo       consultation messages up to 7 days after the citizen's last message
 *   messenger  up to 7 days after the citizen's last message, sent with the HUMAN_AGENT tag
 *              (the recipient's meta says a person wrote it: HUMAN_AUTHOR)
 *   telegram   no window (the bot may write to a private chat that started it)
 *
 * Outside the window nothing is sent and the officer is told so. Rendering and sending are
 * the channel adapter's own render() and send(): there is no second sending path.
 */
import { MaybeDeliveredError } from '../channels/http';
import { HUMAN_AUTHOR, type ChannelAdapter, type OutboundPart } from '../channels/types';
import { ChannelError } from '../errors';
import type { Logger } from '../logger';
import type { HandoffRow, OfficerMessageStatus } from './handoffs';

const DAY_MS = 86_400_000;

/** How long after the citizen's last message an officer may still write, per channel. */
export const OFFICER_REPLY_WINDOW_MS: Record<string, number | null> = {
  web: null,
  zalo: 7 * DAY_MS,
  messenger: 7 * DAY_MS,
  telegram: null,
};

export interface ReplyWindow {
  /** False when the platform would refuse the message (or the channel cannot be reached). */
  open: boolean;
  /** Last moment a reply is allowed; null when there is no limit. */
  until: number | null;
  /** In Vietnamese, for the officer. */
  explanation: string;
}

export interface SendOutcome {
  status: OfficerMessageStatus;
  detail?: string;
}

export interface CitizenReplySender {
  window(h: HandoffRow, lastCitizenTs: number | null, now: number): ReplyWindow;
  send(h: HandoffRow, text: string, lastCitizenTs: number | null): Promise<SendOutcome>;
}

/** One more try for a transient platform error (5xx, rate limit, refused connection). */
const ATTEMPTS = 2;

export function replyWindow(
  h: HandoffRow,
  lastCitizenTs: number | null,
  now: number,
  live: boolean,
): ReplyWindow {
  if (!(h.channel in OFFICER_REPLY_WINDOW_MS))
    return { open: false, until: null, explanation: 'Kênh này không gửi được tin trả lời.' };
  if (h.channel !== 'web' && !live)
    return {
      open: false,
      until: null,
      explanation:
        'Kênh này chưa được bật trên máy chủ: không gửi được. Hãy liên hệ người dân theo cách khác.',
    };
  const window = OFFICER_REPLY_WINDOW_MS[h.channel];
  if (window === null)
    return {
      open: true,
      until: null,
      explanation:
        h.channel === 'web'
          ? 'Người dân thấy tin trả lời khi mở lại trang trò chuyện trên trình duyệt đã hỏi.'
          : 'Gửi được bất cứ lúc nào.',
    };
  const until = (lastCitizenTs ?? h.ts) + window;
  const span =
    window >= 2 * DAY_MS ? `${Math.round(window / DAY_MS)} ngày` : `${Math.round(window / 3_600_000)} giờ`;
  return until > now
    ? {
        open: true,
        until,
        explanation: `Nền tảng cho phép trả lời trong ${span} sau tin nhắn cuối của người dân.`,
      }
    : {
        open: false,
        until,
        explanation: `Đã quá ${span} kể từ tin nhắn cuối của người dân: nền tảng không cho gửi nữa. Hãy liên hệ người dân theo cách khác, hoặc chờ họ nhắn lại.`,
      };
}

/** The citizen's platform id (`contacts`), in the store the log is written to. */
export type PlatformIdOf = (userKey: string) => Promise<string | undefined>;

/**
 * The sender over the live platform adapters. `contacts` (platform id by pseudonym) is read
 * only at send time; the id never leaves this function.
 */
export function adapterSender(
  platformIdOf: PlatformIdOf,
  adapters: ReadonlyMap<string, ChannelAdapter>,
  logger: Logger,
  now: () => number = Date.now,
): CitizenReplySender {
  return {
    window: (h, last, at) => replyWindow(h, last, at, adapters.has(h.channel)),
    async send(h, text, last) {
      const window = replyWindow(h, last, now(), adapters.has(h.channel));
      if (!window.open) return { status: 'outside_window', detail: window.explanation };
      if (h.channel === 'web') return { status: 'pending', detail: 'waiting for the web chat to show it' };
      const adapter = adapters.get(h.channel)!;
      const platformId = await platformIdOf(h.user_key);
      if (!platformId) return { status: 'failed', detail: 'no platform id kept for this citizen (erased?)' };
      const parts = adapter.render({ blocks: [{ type: 'text', text }], quickReplies: [] });
      for (const part of parts) {
        const outcome = await sendWithRetry(adapter, platformId, part);
        if (outcome) {
          logger.warn(
            { channel: h.channel, handoffId: h.id, detail: outcome.detail },
            'officer reply not sent',
          );
          return outcome;
        }
      }
      return { status: 'delivered' };
    },
  };
}

/**
 * The adapters time a send out themselves (after the event loop has read the socket, see
 * `answerDeadline` in channels/http.ts); nothing else stops an officer's send, so the signal
 * they are given never fires. An outer `AbortSignal.timeout` would fire on a stalled loop
 * before the platform's answer was read, and the retry would make the citizen read the
 * officer's message twice.
 */
const NEVER_STOPPED = new AbortController().signal;

async function sendWithRetry(
  adapter: ChannelAdapter,
  userId: string,
  part: OutboundPart,
): Promise<SendOutcome | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      await adapter.send({ userId, meta: HUMAN_AUTHOR }, part, NEVER_STOPPED);
      return null;
    } catch (err) {
      const detail = String((err as Error).message).slice(0, 300);
      // No answer in time: the platform may have delivered it; sending again could repeat it.
      if (err instanceof MaybeDeliveredError)
        return { status: 'failed', detail: `maybe delivered; not sent again: ${detail}` };
      const retryable = err instanceof ChannelError ? err.transient : true;
      if (!retryable || attempt >= ATTEMPTS)
        return { status: retryable ? 'failed' : windowRefusal(err) ? 'outside_window' : 'failed', detail };
    }
  }
}

/** The platform's own "outside the window" answers (Zalo -230/-232, Messenger 10/2018278). */
function windowRefusal(err: unknown): boolean {
  const code = err instanceof ChannelError ? String(err.platformCode ?? '') : '';
  return ['-230', '-232', '10', '2018278'].includes(code);
}
