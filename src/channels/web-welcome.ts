/**
 * GET /api/chat/welcome: what the web chat shows before the citizen says anything — the
 * greeting answer, the privacy notice and the hotline for error messages. Nothing is logged
 * and no session is touched, so opening the page (or a commune site with the widget) never
 * counts as a citizen, a conversation or a message; only a typed message or a tap does.
 */
import { Router } from 'express';
import type { ReplyBlock } from '../dialogue/types';
import { BadRequestError } from '../errors';
import type { Brain } from '../knowledge/service';

const GREETING = 'greeting';

export interface Welcome {
  replies: ReplyBlock[];
  quickReplies: { label: string; payload: string }[];
  /** Shown once here; the first answer repeats it and the page does not show it twice. */
  notice: string;
  /** The hotline as written in locality.yaml, for "call us" in error messages. */
  hotline: string | null;
}

export function welcome(brain: Brain, retentionDays: number): Welcome {
  const { answers, system, locality } = brain.knowledge;
  const greeting = answers.get(GREETING);
  const notice = system.privacy.notice.replaceAll('{retention_days}', String(retentionDays));
  const replies: ReplyBlock[] = greeting
    ? [
        { type: 'text', text: greeting.summary },
        ...greeting.links.map((l): ReplyBlock => ({ type: 'link', label: l.label, url: l.url })),
      ]
    : [];
  const buttons = greeting ? greeting.quickReplies : system.mainTopics;
  return {
    replies,
    quickReplies: buttons.map((q) => ({ label: q.label, payload: q.intent })),
    notice,
    hotline: locality.get('hotline.dial')?.value ?? null,
  };
}

/** An officer's reply waiting for a web chat citizen (the officers' inbox stores them). */
export interface OfficerMessage {
  id: number;
  text: string | null;
  officer: string;
}

/**
 * Routes the chat page reads besides POST /api/chat: the welcome, and the officers'
 * replies (polled; a reply is shown the next time the page asks, and only then counts as
 * delivered). The web user id is the page's own random id, so only that browser can ask.
 */
export function webWelcomeRouter(
  brain: () => Brain,
  retentionDays: number,
  officerMessages: (userId: string, afterId: number) => Promise<OfficerMessage[]>,
): Router {
  const router = Router();
  router.get('/api/chat/welcome', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(welcome(brain(), retentionDays));
  });
  router.get('/api/chat/officer', async (req, res) => {
    const userId = typeof req.query.userId === 'string' ? req.query.userId.trim() : '';
    const after =
      typeof req.query.after === 'string' && /^\d{1,15}$/.test(req.query.after) ? Number(req.query.after) : 0;
    if (userId === '' || userId.length > 128)
      throw new BadRequestError('userId: expected 1 to 128 characters');
    res.set('Cache-Control', 'no-store').json({ messages: await officerMessages(userId, after) });
  });
  return router;
}
