/**
 * The link tracking step: every link block of the reply becomes {PUBLIC_BASE_URL}/r/<token>,
 * so a click is counted against the citizen's pseudonym before the redirect
 * (src/privacy/links.ts keeps the tokens).
 */
import type { LinkTracker } from '../privacy/links';
import type { Middleware } from './types';

export function linksStep(links: Pick<LinkTracker, 'rewrite'>): Middleware {
  return {
    name: 'links',
    run(turn, next) {
      const result = next();
      if (!result.unlogged)
        links.rewrite(result.reply, turn.message.channel, result.userKey, result.answerId);
      return result;
    },
  };
}
