/**
 * The shapes of the files under intents/ (training phrases, out-of-scope phrases,
 * abbreviations): the classifier's input, so they live with it. Custom messages are ids of
 * src/core/content-messages.ts, which reports content errors to the editors.
 */
import { z } from 'zod';

export const intentIdSchema = z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/, 'schema.intentId');

/** intents/<name>.yaml: the training phrases of one intent. */
export const intentFileSchema = z
  .object({
    id: intentIdSchema,
    description: z.string().optional(),
    phrases: z.array(z.string().trim().min(1, 'schema.phraseEmpty')).min(1, 'schema.phrasesNone'),
  })
  .strict();
export type IntentFile = z.infer<typeof intentFileSchema>;

/** intents/_out_of_scope.yaml: messages the bot must not answer as if it knew. */
export const outOfScopeFileSchema = z
  .object({ phrases: z.array(z.string().trim().min(1, 'schema.phraseEmpty')) })
  .strict();

/**
 * One context rule of an ambiguous abbreviation: it applies when the word before is one of
 * `previous` and/or the word after is one of `next` (words written without accents; "^" is
 * the start of the message, "$" its end).
 */
export const abbreviationRuleSchema = z
  .object({
    expand: z.string().trim().min(1, 'schema.expansionEmpty'),
    previous: z.array(z.string().min(1)).optional(),
    next: z.array(z.string().min(1)).optional(),
  })
  .strict()
  .refine((r) => r.previous !== undefined || r.next !== undefined, {
    message: 'schema.ruleContext',
  });

/**
 * intents/_abbreviations.yaml: shorthand citizens type, expanded before matching. A value is
 * either the expansion, or (for an ambiguous one such as "dk") context rules tried in order
 * and an optional `default`; without a default an unresolved abbreviation is left as typed.
 */
export const abbreviationsFileSchema = z
  .object({
    abbreviations: z.record(
      z.string().min(1),
      z.union([
        z.string().trim().min(1, 'schema.expansionEmpty'),
        z
          .object({
            default: z.string().trim().min(1).optional(),
            rules: z.array(abbreviationRuleSchema).min(1, 'schema.rulesNone'),
          })
          .strict(),
      ]),
    ),
  })
  .strict();
export type Abbreviations = z.infer<typeof abbreviationsFileSchema>['abbreviations'];
