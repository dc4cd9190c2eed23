/**
 * Tracked links: each link block in a reply becomes {PUBLIC_BASE_URL}/r/<token>, one token
 * per citizen and answer, so a click is counted against a pseudonymous id before the
 * redirect — reach includes "went on to the portal".
 */
import crypto from 'node:crypto';
import { Router } from 'express';
import type { ChannelName, Reply } from '../core/message';
import type { Db } from '../store/db';
import type { TrackedLink } from '../store/shared-links';

const TOKEN = /^[A-Za-z0-9_-]{8,32}$/;

interface LinkRow {
  url: string;
  channel: string;
  user_key: string;
  answer_id: string | null;
}

export class LinkTracker {
  private readonly insert;
  private readonly find;
  private readonly click;

  constructor(
    db: Db,
    private readonly publicBaseUrl: string,
    private readonly now: () => number = Date.now,
  ) {
    this.insert = db.prepare(
      'INSERT INTO links (token, url, ts, channel, user_key, answer_id) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.find = db.prepare<[string], LinkRow>(
      'SELECT url, channel, user_key, answer_id FROM links WHERE token = ?',
    );
    this.click = db.prepare(
      'INSERT INTO clicks (ts, token, channel, user_key, answer_id, url) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  /** Rewrites every link block of `reply` in place to a tracked /r/ address. */
  rewrite(reply: Reply, channel: ChannelName, userKey: string, answerId: string | null): void {
    for (const link of trackLinks(reply, this.publicBaseUrl, channel, userKey, answerId))
      this.insert.run(link.token, link.url, this.now(), link.channel, link.userKey, link.answerId);
  }

  /** Counts a click and returns the real URL; undefined for an unknown token. */
  follow(token: string): string | undefined {
    if (!TOKEN.test(token)) return undefined;
    const link = this.find.get(token);
    if (!link) return undefined;
    this.click.run(this.now(), token, link.channel, link.user_key, link.answer_id, link.url);
    return link.url;
  }
}

/**
 * Rewrites every link block of `reply` in place to {publicBaseUrl}/r/<token> with a new
 * token each, and returns the links to store (the shared store stores them with the turn).
 */
export function trackLinks(
  reply: Reply,
  publicBaseUrl: string,
  channel: ChannelName,
  userKey: string,
  answerId: string | null,
): TrackedLink[] {
  const base = publicBaseUrl.replace(/\/+$/, '');
  const minted: TrackedLink[] = [];
  for (const block of reply.blocks) {
    if (block.type !== 'link') continue;
    const token = crypto.randomBytes(9).toString('base64url');
    minted.push({ token, url: block.url, channel, userKey, answerId });
    block.url = `${base}/r/${token}`;
  }
  return minted;
}

/** Where /r/ finds a token's address: this file's `LinkTracker`, or the shared store's links. */
export interface LinkFollower {
  /** Counts a click and returns the real URL; undefined for an unknown token. */
  follow(token: string): string | undefined | Promise<string | undefined>;
}

/** GET /r/:token → 302 to the real address, or 404 for a link that does not exist (any more). */
export function linkRouter(links: LinkFollower): Router {
  const router = Router();
  router.get('/r/:token', async (req, res) => {
    const token = req.params.token;
    const url = TOKEN.test(token) ? await links.follow(token) : undefined;
    if (!url) {
      res
        .status(404)
        .type('text/plain; charset=utf-8')
        .send('Liên kết không tồn tại hoặc đã hết hạn. (This link does not exist.)');
      return;
    }
    res.redirect(302, url);
  });
  return router;
}
