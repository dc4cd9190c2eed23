/**
 * The shapes of every file editors write, as zod schemas with their types beside them.
 * `npm run content:check` and the running server validate with these same schemas. Custom
 * messages are ids of src/core/content-messages.ts ("schema.date"), which holds their Vietnamese
 * and English text.
 */
import { z } from 'zod';

// The intents/ files belong to the classifier; their schemas live on the NLU side.
export {
  abbreviationRuleSchema,
  abbreviationsFileSchema,
  intentFileSchema,
  intentIdSchema,
  outOfScopeFileSchema,
  type Abbreviations,
  type IntentFile,
} from '../nlu/intents-schema';
import { intentIdSchema } from '../nlu/intents-schema';

/** Messenger shows at most 20 characters of a quick-reply title. */
export const QUICK_REPLY_LABEL_MAX = 20;
/** The first message of an answer stays short enough to read on a small phone. */
export const SUMMARY_MAX = 600;
/** The smallest text limit of all channels (Zalo and Messenger: 2,000 characters). */
export const MESSAGE_MAX = 2000;

export const quickReplySchema = z
  .object({
    label: z.string().min(1).max(QUICK_REPLY_LABEL_MAX, 'schema.labelTooLong'),
    intent: intentIdSchema,
  })
  .strict();
export type QuickReplyDef = z.infer<typeof quickReplySchema>;

export const linkSchema = z
  .object({
    label: z.string().min(1).max(QUICK_REPLY_LABEL_MAX, 'schema.labelTooLong'),
    url: z.url({ error: 'schema.linkUrl' }),
  })
  .strict();
export type LinkDef = z.infer<typeof linkSchema>;

const isoDate = z.iso.date({ error: 'schema.date' });

/** The front matter of content/<intent>.md. */
export const answerFrontMatterSchema = z
  .object({
    intent: intentIdSchema,
    title: z.string().min(1),
    quick_replies: z.array(quickReplySchema).max(13, 'schema.quickRepliesTooMany').default([]),
    links: z.array(linkSchema).default([]),
    sources: z.array(z.url({ error: 'schema.sourceUrl' })).min(1, 'schema.sourcesNone'),
    /** The legal documents the answer rests on, by number, e.g. "Nghị định 69/2024/NĐ-CP". */
    legal: z.array(z.string().trim().min(1, 'schema.legalEmpty')).default([]),
    reviewed: isoDate,
    needs_review: z.boolean().default(false),
  })
  .strict();
export type AnswerFrontMatter = z.infer<typeof answerFrontMatterSchema>;

/** content/system.yaml: the bot's own messages (fallback, menu). */
/**
 * content/system.yaml `privacy`: the first-contact notice, the data-deletion dialogue and the
 * feedback question. `{retention_days}` is replaced by RETENTION_DAYS at run time.
 */
export const privacyMessagesSchema = z
  .object({
    notice: z.string().min(1).max(MESSAGE_MAX, 'schema.textTooLong'),
    erase_confirm: z.string().min(1),
    erase_done: z.string().min(1),
    erase_cancelled: z.string().min(1),
    feedback_prompt: z.string().min(1),
    feedback_thanks: z.string().min(1),
    feedback_sorry: z.string().min(1),
  })
  .strict();
export type PrivacyMessages = z.infer<typeof privacyMessagesSchema>;

export const systemFileSchema = z
  .object({
    fallback: z.string().min(1),
    /** Answer to stickers, images, files and locations; the fallback text when absent. */
    unsupported_media: z.string().min(1).optional(),
    /** The one reply to a citizen sending too many messages too fast (flood control). */
    slow_down: z.string().min(1),
    main_topics: z.array(quickReplySchema).min(1).max(13, 'schema.topicsTooMany'),
    privacy: privacyMessagesSchema,
  })
  .strict();
export type SystemFile = z.infer<typeof systemFileSchema>;

/** A locality leaf: a plain value, or one flagged for review with a note. */
export const localityValueSchema = z.union([
  z.string(),
  z
    .object({ value: z.string(), needs_review: z.boolean().default(false), note: z.string().optional() })
    .strict(),
]);
type LocalityTree = { [key: string]: z.infer<typeof localityValueSchema> | LocalityTree };
export const localityTreeSchema: z.ZodType<LocalityTree> = z.lazy(() =>
  z.record(
    z.string().regex(/^[a-z][a-z0-9_]*$/, 'schema.localityKey'),
    z.union([localityValueSchema, localityTreeSchema]),
  ),
);
