/**
 * The webhook ack path, written once: read the raw bytes, verify the platform's signature,
 * parse, persist (deduped) and only then answer 200. Processing happens after the ack.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import express, { type RequestHandler, type Response } from 'express';
import type { Logger } from '../logger';
import type { AcceptEvents, InboundEvent, PlatformChannel, VerifyResult } from './types';

/** Messenger batches several events per call; keep room for them. */
export const WEBHOOK_BODY_LIMIT = '1mb';

/** Reads any content type as raw bytes: signatures are over the exact bytes sent. */
export const rawBody = express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT });

export interface SignedWebhookOptions {
  channel: PlatformChannel;
  logger: Logger;
  verify(
    raw: Buffer,
    headers: IncomingHttpHeaders,
  ): VerifyResult | { ok: false; status: 400; reason: string };
  parse(raw: Buffer): InboundEvent[];
  accept: AcceptEvents;
}

export function signedWebhook(options: SignedWebhookOptions): RequestHandler[] {
  const { channel, logger } = options;
  return [
    rawBody,
    async (req, res) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const verdict = options.verify(raw, req.headers);
      if (!verdict.ok) {
        rejectWebhook(res, logger, channel, verdict, req.ip);
        return;
      }
      let events: InboundEvent[];
      try {
        events = options.parse(raw);
      } catch (err) {
        logger.warn({ channel, error: (err as Error).message }, 'signed webhook body could not be read');
        res.status(400).json({ error: `the ${channel} webhook body is not valid JSON` });
        return;
      }
      // Throws if SQLite cannot store the events: the platform gets a 500 and retries.
      await options.accept(channel, events);
      res.status(200).json({ ok: true });
    },
  ];
}

/** Answers a refused webhook call and logs why — never the header's value. */
export function rejectWebhook(
  res: Response,
  logger: Logger,
  channel: PlatformChannel,
  verdict: { status: number; reason: string },
  ip: string | undefined,
): void {
  logger.warn({ channel, reason: verdict.reason, ip }, 'webhook call rejected');
  const error =
    verdict.status === 400
      ? verdict.reason
      : verdict.status === 401
        ? 'missing signature'
        : 'invalid signature';
  res.status(verdict.status).json({ error });
}

/** Constant-time string comparison (after a length check, which timingSafeEqual requires). */
export function safeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
