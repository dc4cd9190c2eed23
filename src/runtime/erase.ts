/**
 * The erase step: "xóa dữ liệu của tôi" asks for a confirmation; "Có" erases every row
 * about the citizen (src/privacy/erase.ts) and the reply is not logged, "Không" cancels,
 * anything else lets the question lapse and is answered normally.
 */
import { PAYLOAD } from '../core/payloads';
import type { Brain } from '../knowledge/service';
import { cleanText, foldAccents } from '../nlu/normalise';
import type { Sessions } from '../store/sessions';
import { controlReply } from './control-reply';
import type { Middleware } from './types';

/** The session's `pending` value while the confirmation is open. */
const PENDING_ERASE = 'erase';
const LABELS = { yes: 'Có', no: 'Không' } as const;

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

/**
 * `erase`: erases every row about the citizen (src/privacy/erase.ts on the SQLite file; on
 * the shared store, with the rest of the turn when it is stored).
 */
export function eraseStep(
  erase: (userKey: string) => void,
  sessions: Sessions,
  brain: () => Brain,
): Middleware {
  const texts = () => brain().knowledge.system.privacy;
  return {
    name: 'erase',
    run(turn, next) {
      const { message, userKey } = turn;
      const payload = message.payload;
      const session = sessions.get(userKey);
      const folded = message.text !== undefined ? fold(message.text) : null;
      if (session.pending === PENDING_ERASE) {
        const yes = payload === PAYLOAD.eraseYes || (folded !== null && YES.has(folded));
        const no = payload === PAYLOAD.eraseNo || (folded !== null && NO.has(folded));
        if (yes) {
          erase(userKey);
          return controlReply(brain(), userKey, 'erase', texts().erase_done, { unlogged: true });
        }
        session.pending = null;
        sessions.set(userKey, session);
        if (no) return controlReply(brain(), userKey, 'erase', texts().erase_cancelled);
        // Anything else: the question lapses and the message is handled normally.
        return next();
      }
      if (payload === PAYLOAD.eraseNo)
        return controlReply(brain(), userKey, 'erase', texts().erase_cancelled);
      if (payload === PAYLOAD.eraseYes || (message.text !== undefined && isEraseRequest(message.text))) {
        session.pending = PENDING_ERASE;
        session.guide = null;
        sessions.set(userKey, session);
        return controlReply(brain(), userKey, 'erase', texts().erase_confirm, {
          quickReplies: [
            { label: LABELS.yes, payload: PAYLOAD.eraseYes },
            { label: LABELS.no, payload: PAYLOAD.eraseNo },
          ],
        });
      }
      return next();
    },
  };
}
