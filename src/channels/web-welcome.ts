/**
 * GET /api/chat/welcome: what the web chat shows before the citizen says anything — the
 * greeting answer, the privacy notice and the hotline for error messages. Nothing is logged
 * and no session is touched, so opening the page (or a commune site with the widget) never
 * counts as a citizen, a conversation or a message; only a typed message or a tap does.
 */
import { Router } from 'express';
import type { ReplyBlock } from '../dialogue/types';
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

export function webWelcomeRouter(brain: () => Brain, retentionDays: number): Router {
  const router = Router();
  router.get('/api/chat/welcome', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(welcome(brain(), retentionDays));
  });
  return router;
}
