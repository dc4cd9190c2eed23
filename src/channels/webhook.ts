/**
 * The one webhook route every platform is served by, in the order it runs:
 * read the raw bytes → `adapter.verify` (nothing is parsed before) → `adapter.parse` →
 * leave out events whose ids no platform sends → store the events (deduped, one commit) →
 * 200. The engine runs after the ack, from the delivery queue. Status codes and error bodies
 * are written here and nowhere else:
 *
 *   200 {"ok":true}         stored (or a repeated delivery, ignored)
 *   400 {"error":…}         signed, but the body is not JSON: retrying cannot help
 *   401 / 403 {"error":…}   signature missing / not matching
 *   500 {"error":…}         could not be stored: the platform delivers it again
 */
import crypto from 'node:crypto';
import express, { Router, type Response } from 'express';
import type { Logger } from '../logger';
import { WebhookBodyError, type AcceptEvents, type ChannelAdapter, type InboundEvent } from './types';

/** Messenger batches several events per call; keep room for them. */
export const WEBHOOK_BODY_LIMIT = '1mb';

/** Reads any content type as raw bytes: signatures are over the exact bytes sent. */
export const rawBody = express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT });

/**
 * Longest user or event id stored, in characters. The platforms' ids are a few dozen
 * characters at most (Messenger's message ids, the longest, about a hundred). A longer one is
 * a shape no platform sends, and PostgreSQL cannot index a key over 2,704 bytes: storing it
 * would fail the whole batch of webhooks it was committed with.
 */
export const MAX_ID_LENGTH = 256;

const ERROR_BODY = {
  401: 'missing signature',
  403: 'invalid signature',
} as const;

export function webhookRoute(adapter: ChannelAdapter, accept: AcceptEvents, logger: Logger): Router {
  const router = Router();
  const path = adapter.webhookPath;
  if (!path) return router;
  const channel = adapter.name;

  if (adapter.handshake) {
    const handshake = adapter.handshake.bind(adapter);
    router.get(path, (req, res) => {
      const answer = handshake(req.query as Record<string, unknown>);
      if (answer.status !== 200) logger.warn({ channel, ip: req.ip }, 'webhook handshake refused');
      res.status(answer.status).type('text/plain').send(answer.body);
    });
  }

  router.post(path, rawBody, async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = adapter.verify(raw, req.headers);
    if (!verdict.ok) {
      logger.warn({ channel, reason: verdict.reason, ip: req.ip }, 'webhook call rejected');
      reply(res, verdict.status, { error: ERROR_BODY[verdict.status] });
      return;
    }
    let events: InboundEvent[];
    try {
      events = adapter.parse(raw);
    } catch (err) {
      if (!(err instanceof WebhookBodyError)) throw err;
      logger.warn({ channel, error: err.message }, 'signed webhook body could not be read');
      reply(res, 400, { error: `the ${channel} webhook body is not valid JSON` });
      return;
    }
    const usable = events.filter((e) => hasPlatformIds(e));
    if (usable.length < events.length)
      logger.warn(
        { channel, ignored: events.length - usable.length },
        `webhook events with an id longer than ${MAX_ID_LENGTH} characters ignored`,
      );
    try {
      await accept(channel, usable);
    } catch (err) {
      logger.error({ err, channel }, 'webhook events could not be stored');
      reply(res, 500, { error: 'the event could not be stored; deliver it again' });
      return;
    }
    reply(res, 200, { ok: true });
  });
  return router;
}

function hasPlatformIds(e: InboundEvent): boolean {
  return e.userId.length <= MAX_ID_LENGTH && e.eventId.length <= MAX_ID_LENGTH;
}

function reply(res: Response, status: number, body: object): void {
  res.status(status).json(body);
}

/** Constant-time string comparison (after a length check, which timingSafeEqual requires). */
export function safeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** Parses a webhook body as JSON, or throws WebhookBodyError (answered 400). */
export function parseBody(raw: Buffer, parse: (text: string) => unknown = JSON.parse): unknown {
  try {
    return parse(raw.toString('utf8'));
  } catch (err) {
    throw new WebhookBodyError('not valid JSON', { cause: err });
  }
}
