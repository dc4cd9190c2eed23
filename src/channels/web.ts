/**
 * The web chat channel: the page at / and the widget post here; the message runs through
 * the same turn pipeline as every platform's, and the reply is the HTTP response itself.
 */
import crypto from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { withoutNul, type IncomingMessage } from '../core/message';
import { BadRequestError } from '../errors';
import type { Runtime, TurnResult } from '../runtime';

export function chatRequestSchema(maxTextLength: number) {
  return z
    .object(
      {
        userId: z
          .string({ error: 'expected a string' })
          .overwrite(withoutNul)
          .trim()
          .min(1, 'expected a non-empty string')
          .max(128, 'expected at most 128 characters'),
        text: z
          .string({ error: 'expected a string' })
          .overwrite(withoutNul)
          .max(maxTextLength, `expected at most ${maxTextLength} characters`)
          .refine((t) => t.trim().length > 0, 'expected a non-empty message')
          .optional(),
        payload: z
          .string({ error: 'expected a string' })
          .overwrite(withoutNul)
          .min(1)
          .max(1000, 'expected at most 1000 characters')
          .optional(),
      },
      {
        error: (issue) =>
          issue.code === 'invalid_type'
            ? 'expected a JSON object {"userId": "...", "text": "..."}'
            : undefined,
      },
    )
    .strict()
    .refine((body) => (body.text === undefined) !== (body.payload === undefined), {
      message: 'send exactly one of "text" or "payload"',
    });
}

/** Runs one web chat message through the turn pipeline (here, or in the answer worker). */
export type ChatTurn = (message: IncomingMessage) => Promise<TurnResult>;

/** The turn in this thread: prepare, respond, save (the last two are no-ops on SQLite). */
export function localTurn(runtime: Pick<Runtime, 'prepare' | 'respond' | 'save'>): ChatTurn {
  return async (message) => {
    await runtime.prepare(message);
    const result = runtime.respond(message);
    await runtime.save(message);
    return result;
  };
}

export function webChatRouter(turn: ChatTurn, maxTextLength: number): Router {
  const schema = chatRequestSchema(maxTextLength);
  const router = Router();
  router.post('/api/chat', async (req, res) => {
    const parsed = schema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue.path.join('.');
      throw new BadRequestError(field ? `${field}: ${issue.message}` : issue.message);
    }
    const { userId, text, payload } = parsed.data;
    const message: IncomingMessage = {
      channel: 'web' as const,
      userId,
      messageId: crypto.randomUUID(),
      text,
      payload,
      timestamp: Date.now(),
    };
    res.json(chatResponse(await turn(message)));
  });
  return router;
}

/**
 * The JSON answer: the reply, then every field of the engine's result except the ones that
 * are the server's business (pseudonym, log id, content version, folded text…). A field
 * the engine adds later reaches the page without being listed here.
 */
export function chatResponse(result: TurnResult): Record<string, unknown> {
  // Omitted by destructuring: they stay on the server.
  const { reply, userKey, interactionId, normalisedText, contentVersion, unlogged, ...fields } = result;
  // Every reply says which procedure it answers (null for a topic or the fallback).
  return {
    replies: reply.blocks,
    quickReplies: reply.quickReplies,
    procedure: null,
    options: [],
    facets: [],
    ...fields,
  };
}
