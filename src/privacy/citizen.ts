/**
 * What every channel gets around the engine, in one place (ResponderExtensions):
 * the first-contact privacy notice, "xóa dữ liệu của tôi" with a confirmation step, the
 * 👍/👎 question after answers, tracked links and handoff requests.
 */
import type { Handoffs } from '../admin/handoffs';
import { PAYLOAD } from '../dialogue/engine';
import type { Responded, ResponderExtensions } from '../dialogue/responder';
import type { IncomingMessage, QuickReply, Reply } from '../dialogue/types';
import type { Brain } from '../knowledge/service';
import { cleanText, foldAccents } from '../nlu/normalise';
import type { InteractionLog } from '../store/interactions';
import type { SessionStore } from '../store/sessions';
import { eraseCitizen } from './erase';
import type { LinkTracker } from './links';
import type { Db } from '../store/db';

/** Control payloads start with '#', like the engine's PAYLOAD values. */
export const CONTROL = {
  feedbackUp: '#fb:up',
  feedbackDown: '#fb:down',
  eraseYes: '#erase:yes',
  eraseNo: '#erase:no',
} as const;

const PENDING_ERASE = 'erase';
const LABELS = {
  yes: 'Có',
  no: 'Không',
  up: '👍 Hữu ích',
  down: '👎 Chưa hữu ích',
} as const;

/** Answers that are conversation, not information: no feedback question after them. */
const NO_FEEDBACK = new Set(['greeting', 'thanks', 'help', 'handoff']);

/**
 * "xóa dữ liệu của tôi" and its variants, folded (no diacritics): xoá/xóa/hủy + dữ liệu /
 * lịch sử / tin nhắn, or thông tin with "của tôi / cá nhân"; "delete my data".
 */
const ERASE_REQUEST = [
  /\b(xoa|huy|xoa bo|xoa het)\b.*\b(du lieu|dl|lich su|tin nhan|cuoc tro chuyen)\b/,
  /\bxoa\b.*\bthong tin\b.*\b(cua toi|cua minh|cua em|cua tui|ca nhan)\b/,
  /\b(delete|erase|remove)\b.*\bdata\b/,
];
const YES = new Set([
  'co',
  'co xoa',
  'xoa',
  'dong y',
  'yes',
  'ok',
  'oke',
  'vang',
  'da',
  'u',
  'uh',
  'chac chan',
  'co a',
  'da co',
]);
const NO = new Set(['khong', 'ko', 'k', 'kg', 'khong xoa', 'thoi', 'huy', 'no', 'dung', 'khong a']);

const fold = (text: string) => foldAccents(cleanText(text));

export function isEraseRequest(text: string): boolean {
  const folded = fold(text);
  return ERASE_REQUEST.some((re) => re.test(folded));
}

export interface CitizenOptions {
  retentionDays: number;
  /** Ask for feedback after every Nth answer; 0 never. */
  feedbackEvery: number;
}

export class CitizenExtensions implements ResponderExtensions {
  constructor(
    private readonly db: Db,
    private readonly brain: () => Brain,
    private readonly sessions: SessionStore,
    private readonly log: InteractionLog,
    private readonly links: LinkTracker,
    private readonly handoffs: Handoffs,
    private readonly options: CitizenOptions,
    private readonly now: () => number = Date.now,
  ) {}

  intercept(message: IncomingMessage, userKey: string): Omit<Responded, 'interactionId'> | null {
    const payload = message.payload;
    if (payload?.startsWith('#fb:')) {
      const thanked = this.feedback(message, userKey, payload);
      if (thanked) return thanked;
    }

    const session = this.sessions.get(userKey);
    const folded = message.text !== undefined ? fold(message.text) : null;
    if (session.pending === PENDING_ERASE) {
      const yes = payload === CONTROL.eraseYes || (folded !== null && YES.has(folded));
      const no = payload === CONTROL.eraseNo || (folded !== null && NO.has(folded));
      if (yes) {
        eraseCitizen(this.db, userKey);
        return this.result(userKey, 'erase', this.text().erase_done, true);
      }
      session.pending = null;
      this.sessions.set(userKey, session);
      if (no) return this.result(userKey, 'erase', this.text().erase_cancelled);
      // Anything else: the question lapses and the message is handled normally.
      return null;
    }
    if (payload === CONTROL.eraseNo) return this.result(userKey, 'erase', this.text().erase_cancelled);
    if (payload === CONTROL.eraseYes || (message.text !== undefined && isEraseRequest(message.text))) {
      session.pending = PENDING_ERASE;
      session.guide = null;
      this.sessions.set(userKey, session);
      const result = this.result(userKey, 'erase', this.text().erase_confirm);
      result.reply.quickReplies = [
        { label: LABELS.yes, payload: CONTROL.eraseYes },
        { label: LABELS.no, payload: CONTROL.eraseNo },
      ];
      return result;
    }
    return null;
  }

  decorate(message: IncomingMessage, responded: Responded): void {
    if (responded.unlogged) return;
    if (!this.log.isKnown(responded.userKey)) {
      const notice = this.text().notice.replaceAll('{retention_days}', String(this.options.retentionDays));
      responded.reply.blocks.unshift({ type: 'text', text: notice });
    }
    if (this.shouldAskFeedback(message, responded)) {
      responded.reply.blocks.push({ type: 'text', text: this.text().feedback_prompt });
      const buttons: QuickReply[] = [
        { label: LABELS.up, payload: CONTROL.feedbackUp },
        { label: LABELS.down, payload: CONTROL.feedbackDown },
      ];
      // After the guide buttons (which start with '#'), before related topics.
      const quick = responded.reply.quickReplies;
      const at = quick.findIndex((q) => !q.payload.startsWith('#'));
      quick.splice(at === -1 ? quick.length : at, 0, ...buttons);
    }
  }

  finalize(message: IncomingMessage, responded: Responded): void {
    if (responded.unlogged) return;
    if (responded.interactionId !== null)
      for (const q of responded.reply.quickReplies)
        if (q.payload === CONTROL.feedbackUp || q.payload === CONTROL.feedbackDown)
          q.payload = `${q.payload}:${responded.interactionId}`;
    this.links.rewrite(responded.reply, message.channel, responded.userKey, responded.answerId);
    if (responded.answerId === 'handoff' && !responded.control)
      this.handoffs.request(responded.userKey, message.channel);
  }

  private shouldAskFeedback(message: IncomingMessage, responded: Responded): boolean {
    const every = this.options.feedbackEvery;
    if (every <= 0 || responded.control || responded.answerId === null) return false;
    if (NO_FEEDBACK.has(responded.answerId) || message.payload === PAYLOAD.nextStep) return false;
    return (this.log.countAnswers(responded.userKey) + 1) % every === 0;
  }

  private feedback(message: IncomingMessage, userKey: string, payload: string) {
    const [, direction, id] = payload.split(':');
    if (direction !== 'up' && direction !== 'down') return null;
    const rating = direction === 'down' ? -1 : 1;
    // The tapped answer, if it is this citizen's; otherwise their latest answer.
    let target = id !== undefined && /^\d+$/.test(id) ? this.log.get(Number(id)) : undefined;
    if (target && target.user_key !== userKey) target = undefined;
    target ??= this.log
      .recent(userKey, 20)
      .find((r) => r.kind === 'answer' && r.answer_id !== null && !NO_FEEDBACK.has(r.answer_id));
    const existing = target
      ? this.db
          .prepare<[string, number], number>(
            'SELECT id FROM feedback WHERE user_key = ? AND interaction_id = ?',
          )
          .pluck()
          .get(userKey, target.id)
      : undefined;
    if (existing !== undefined)
      this.db
        .prepare('UPDATE feedback SET rating = ?, ts = ? WHERE id = ?')
        .run(rating, this.now(), existing);
    else
      this.db
        .prepare(
          'INSERT INTO feedback (ts, channel, user_key, interaction_id, answer_id, rating) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(this.now(), message.channel, userKey, target?.id ?? null, target?.answer_id ?? null, rating);
    const text = rating === 1 ? this.text().feedback_thanks : this.text().feedback_sorry;
    return this.result(userKey, 'feedback', text);
  }

  private text() {
    return this.brain().knowledge.system.privacy;
  }

  private result(userKey: string, control: 'feedback' | 'erase', text: string, unlogged = false) {
    const { knowledge } = this.brain();
    const reply: Reply = {
      blocks: [{ type: 'text', text }],
      quickReplies: knowledge.system.mainTopics.map((t) => ({ label: t.label, payload: t.intent })),
    };
    return {
      reply,
      intent: null,
      confidence: 1,
      answerId: null,
      normalisedText: null,
      contentVersion: knowledge.version,
      userKey,
      control,
      unlogged,
    };
  }
}
