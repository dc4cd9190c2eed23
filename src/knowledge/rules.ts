/**
 * The rules that need more than one file, one named function each (tests/knowledge/rules.test.ts).
 * Each takes what the parsers produced and returns the problems it finds; checkKnowledge
 * (loader.ts) runs them in one place. The rules within intents/ live with their parser
 * (src/nlu/intent-files.ts).
 */
import path from 'node:path';
import { contentError, contentWarning, type ContentWarning } from '../core/content-messages';
import { FEEDBACK_BUTTONS, GUIDE_BUTTONS, NO_FEEDBACK } from '../core/payloads';
import type { LineOf } from '../core/yaml-file';
import type { ContentError } from '../errors';
import type { AnswerFileParse } from './answer-file';
import type { SystemParse } from './system-file';
import type { Answer, IntentDef } from './types';

/** A valid answer with the lines of its front matter, for messages about it. */
export interface ParsedAnswer {
  answer: Answer;
  lineOf: LineOf;
}

/**
 * Rule: one answer file per intent. A later file answering the same intent is left out.
 * `invalidFiles` are the answer files whose front matter could not be read (their intent is
 * unknown, so an intent "without an answer" may be answered there: see everyIntentAnswered).
 */
export function oneAnswerPerIntent(parses: readonly AnswerFileParse[]): {
  answers: ParsedAnswer[];
  invalidFiles: Set<string>;
  errors: ContentError[];
} {
  const answers: ParsedAnswer[] = [];
  const invalidFiles = new Set<string>();
  const errors: ContentError[] = [];
  for (const { file, answer, lineOf } of parses) {
    if (!answer) invalidFiles.add(path.basename(file));
    else if (answers.some((a) => a.answer.intent === answer.intent))
      errors.push(
        contentError(file, lineOf(['intent']), 'intent', 'answer.duplicate', { intent: answer.intent }),
      );
    else answers.push({ answer, lineOf });
  }
  return { answers, invalidFiles, errors };
}

/** Rule: every intent has its answer file (unless that file is there but unreadable). */
export function everyIntentAnswered(
  intents: readonly IntentDef[],
  answers: readonly ParsedAnswer[],
  invalidFiles: ReadonlySet<string>,
  contentDir: string,
): ContentError[] {
  const answered = new Set(answers.map((a) => a.answer.intent));
  return intents
    .filter((intent) => !answered.has(intent.id) && !invalidFiles.has(`${intent.id}.md`))
    .map((intent) =>
      contentError(intent.file, 1, 'id', 'intent.noAnswer', {
        id: intent.id,
        file: path.join(contentDir, `${intent.id}.md`),
      }),
    );
}

/** Rule: every answer answers an intent that has training phrases. */
export function everyAnswerHasIntent(
  answers: readonly ParsedAnswer[],
  intentIds: ReadonlySet<string>,
  intentsDir: string,
): ContentError[] {
  return answers
    .filter(({ answer }) => !intentIds.has(answer.intent))
    .map(({ answer, lineOf }) =>
      contentError(answer.file, lineOf(['intent']), 'intent', 'answer.noIntent', {
        intent: answer.intent,
        dir: intentsDir,
      }),
    );
}

/** Rule: every quick reply of an answer leads to a known intent. */
export function everyButtonTargetExists(
  answers: readonly ParsedAnswer[],
  intentIds: ReadonlySet<string>,
): ContentError[] {
  const errors: ContentError[] = [];
  for (const { answer, lineOf } of answers)
    answer.quickReplies.forEach((qr, i) => {
      if (!intentIds.has(qr.intent))
        errors.push(
          contentError(
            answer.file,
            lineOf(['quick_replies', i, 'intent']),
            `quick_replies.${i}.intent`,
            'intent.unknown',
            {
              intent: qr.intent,
              suggestion: closestId(qr.intent, intentIds),
            },
          ),
        );
    });
  return errors;
}

/** Rule: every main topic of system.yaml leads to a known intent. */
export function everyMainTopicExists(system: SystemParse, intentIds: ReadonlySet<string>): ContentError[] {
  return (system.system?.mainTopics ?? []).flatMap((topic, i) =>
    intentIds.has(topic.intent)
      ? []
      : [
          contentError(
            system.file,
            system.lineOf(['main_topics', i, 'intent']),
            `main_topics.${i}.intent`,
            'intent.unknown',
            {
              intent: topic.intent,
              suggestion: closestId(topic.intent, intentIds),
            },
          ),
        ],
  );
}

/**
 * Rule: an answer's buttons fit under one message on every channel (`buttonsMax`, the
 * smallest channel's limit), counting the buttons the pipeline adds: the guide's two under an
 * answer with steps (an error when they do not fit: the runtime would have to cut the
 * answer's own buttons), and the feedback question's two (a warning: the runtime leaves the
 * question out under that answer, and logs it).
 */
export function buttonBudget(
  answers: readonly ParsedAnswer[],
  buttonsMax: number,
): { errors: ContentError[]; warnings: ContentWarning[] } {
  const errors: ContentError[] = [];
  const warnings: ContentWarning[] = [];
  for (const { answer, lineOf } of answers) {
    const guide = answer.steps.length > 0 ? GUIDE_BUTTONS : 0;
    const found = answer.quickReplies.length;
    if (guide + found > buttonsMax)
      errors.push(
        contentError(answer.file, lineOf(['quick_replies']), 'quick_replies', 'buttons.tooMany', {
          max: buttonsMax,
          guide,
          found,
        }),
      );
    else if (!NO_FEEDBACK.includes(answer.intent) && guide + found + FEEDBACK_BUTTONS > buttonsMax)
      warnings.push(
        contentWarning(answer.file, lineOf(['quick_replies']), 'buttons.noRoomForFeedback', {
          max: buttonsMax,
          guide,
          found,
          feedback: FEEDBACK_BUTTONS,
        }),
      );
  }
  return { errors, warnings };
}

/** The known id one or two typing slips away from `id` ("dvc.abuot" → "dvc.about"), if any. */
export function closestId(id: string, known: ReadonlySet<string>): string | undefined {
  let best: { id: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(id, candidate);
    if (distance <= 2 && (!best || distance < best.distance)) best = { id: candidate, distance };
  }
  return best?.id;
}

/** Levenshtein distance, counting a swap of two neighbouring letters as one slip. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
}
