/**
 * The knowledge check's rules across files, one `describe` per named rule: each is given what
 * the parsers produce and must name the file, line and message of what it finds.
 */
import { renderMessage } from '../../src/core/content-messages';
import type { AnswerFileParse } from '../../src/knowledge/answer-file';
import {
  buttonBudget,
  closestId,
  everyAnswerHasIntent,
  everyButtonTargetExists,
  everyIntentAnswered,
  everyMainTopicExists,
  oneAnswerPerIntent,
  type ParsedAnswer,
} from '../../src/knowledge/rules';
import type { SystemParse } from '../../src/knowledge/system-file';
import type { Answer, IntentDef } from '../../src/knowledge/types';

/** Every field of a front matter sits on the line given here, so messages can be checked. */
const LINES: Record<string, number> = { intent: 2, quick_replies: 5 };
const lineOf = (path: readonly (string | number)[]) =>
  path.length > 1 ? 6 + Number(path[1]) : LINES[String(path[0])];

function answer(intent: string, extra: Partial<Answer> = {}): ParsedAnswer {
  return {
    answer: {
      intent,
      title: intent,
      summary: 'Tóm tắt.',
      steps: [],
      quickReplies: [],
      links: [],
      sources: ['https://dichvucong.gov.vn'],
      legal: [],
      reviewed: '2026-11-01',
      needsReview: false,
      file: `content/${intent}.md`,
      ...extra,
    },
    lineOf,
  };
}

const intent = (id: string): IntentDef => ({ id, phrases: [id], file: `intents/${id}.yaml` });
const buttons = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ label: `Chủ đề ${i}`, intent: 'help' }));
const step = { title: 'Nộp hồ sơ', text: 'Mang giấy tờ đến bộ phận một cửa.' };
const ids = (problems: { detail?: { id: string } }[]) => problems.map((p) => p.detail?.id);

describe('oneAnswerPerIntent', () => {
  it('keeps the first file of an intent, reports the next, and lists the unreadable files', () => {
    const parses: AnswerFileParse[] = [
      { ...answer('dvc.about'), file: 'content/dvc.about.md', errors: [], warnings: [] },
      { ...answer('dvc.about'), file: 'content/dvc.copy.md', errors: [], warnings: [] },
      { file: 'content/broken.md', lineOf, errors: [], warnings: [] },
    ];
    parses[1]!.answer = { ...parses[1]!.answer!, file: 'content/dvc.copy.md' };
    const result = oneAnswerPerIntent(parses);
    expect(result.answers.map((a) => a.answer.file)).toEqual(['content/dvc.about.md']);
    expect(result.errors.map((e) => [e.file, e.line, e.detail?.id])).toEqual([
      ['content/dvc.copy.md', 2, 'answer.duplicate'],
    ]);
    expect([...result.invalidFiles]).toEqual(['broken.md']);
  });
});

describe('everyIntentAnswered', () => {
  it('names the answer file to add for an intent without one', () => {
    const errors = everyIntentAnswered(
      [intent('greeting'), intent('dvc.about')],
      [answer('greeting')],
      new Set(),
      'content',
    );
    expect(errors.map((e) => [e.file, e.line, e.detail])).toEqual([
      [
        'intents/dvc.about.yaml',
        1,
        { id: 'intent.noAnswer', params: { id: 'dvc.about', file: 'content/dvc.about.md' } },
      ],
    ]);
  });

  it('does not report an intent whose answer file is there but unreadable (that file is reported)', () => {
    expect(everyIntentAnswered([intent('dvc.about')], [], new Set(['dvc.about.md']), 'content')).toEqual([]);
  });
});

describe('everyAnswerHasIntent', () => {
  it('reports an answer to an intent with no training phrases, at its intent line', () => {
    const errors = everyAnswerHasIntent(
      [answer('greeting'), answer('dvc.abuot')],
      new Set(['greeting']),
      'intents',
    );
    expect(errors.map((e) => [e.file, e.line, e.detail?.id])).toEqual([
      ['content/dvc.abuot.md', 2, 'answer.noIntent'],
    ]);
  });
});

describe('everyButtonTargetExists', () => {
  it('reports each quick reply leading nowhere, with the id probably meant', () => {
    const errors = everyButtonTargetExists(
      [
        answer('greeting', {
          quickReplies: [
            { label: 'A', intent: 'greeting' },
            { label: 'B', intent: 'dvc.abuot' },
          ],
        }),
      ],
      new Set(['greeting', 'dvc.about']),
    );
    expect(errors.map((e) => [e.line, e.field, e.detail])).toEqual([
      [
        7,
        'quick_replies.1.intent',
        { id: 'intent.unknown', params: { intent: 'dvc.abuot', suggestion: 'dvc.about' } },
      ],
    ]);
  });
});

describe('everyMainTopicExists', () => {
  it('reports a main topic of system.yaml leading nowhere', () => {
    const system: SystemParse = {
      file: 'content/system.yaml',
      lineOf: (p) => 10 + Number(p[1] ?? 0),
      errors: [],
      system: {
        fallback: 'x',
        unsupportedMedia: 'x',
        slowDown: 'x',
        mainTopics: [
          { label: 'A', intent: 'greeting' },
          { label: 'B', intent: 'nowhere' },
        ],
        privacy: {} as never,
      },
    };
    expect(
      everyMainTopicExists(system, new Set(['greeting'])).map((e) => [e.line, e.field, e.detail?.id]),
    ).toEqual([[11, 'main_topics.1.intent', 'intent.unknown']]);
    expect(everyMainTopicExists({ ...system, system: undefined }, new Set())).toEqual([]);
  });
});

describe('buttonBudget', () => {
  it('fails an answer whose own and guide buttons exceed the smallest channel', () => {
    const { errors } = buttonBudget([answer('a.b', { steps: [step], quickReplies: buttons(4) })], 5);
    expect(errors.map((e) => [e.line, e.detail])).toEqual([
      [5, { id: 'buttons.tooMany', params: { max: 5, guide: 2, found: 4 } }],
    ]);
  });

  it('warns when an answer leaves no room for the feedback buttons the pipeline adds', () => {
    const { errors, warnings } = buttonBudget(
      [
        answer('with.steps', { steps: [step], quickReplies: buttons(3) }),
        answer('no.steps', { quickReplies: buttons(4) }),
        answer('fits', { steps: [step], quickReplies: buttons(1) }),
        answer('greeting', { quickReplies: buttons(5) }),
      ],
      5,
    );
    expect(errors).toEqual([]);
    expect(warnings.map((w) => [w.file, w.line, w.detail])).toEqual([
      [
        'content/with.steps.md',
        5,
        { id: 'buttons.noRoomForFeedback', params: { max: 5, guide: 2, found: 3, feedback: 2 } },
      ],
      [
        'content/no.steps.md',
        5,
        { id: 'buttons.noRoomForFeedback', params: { max: 5, guide: 0, found: 4, feedback: 2 } },
      ],
    ]);
  });

  it('follows the limit it is given: on a 13-button channel the same answers fit', () => {
    expect(buttonBudget([answer('a.b', { steps: [step], quickReplies: buttons(4) })], 13)).toEqual({
      errors: [],
      warnings: [],
    });
  });
});

describe('closestId', () => {
  it('finds an id one or two slips away, and nothing further', () => {
    const known = new Set(['dvc.about', 'dvc.account']);
    expect(closestId('dvc.abuot', known)).toBe('dvc.about');
    expect(closestId('proc.land', known)).toBeUndefined();
  });
});

it('words the feedback warning for the editors in Vietnamese, and for developers in English', () => {
  const { warnings } = buttonBudget([answer('a', { quickReplies: buttons(4) })], 5);
  expect(ids(warnings)).toEqual(['buttons.noRoomForFeedback']);
  expect(renderMessage(warnings[0]!.detail!, 'vi')).toBe(
    'trên Zalo (tối đa 5 nút) không còn chỗ cho 2 nút đánh giá 👍/👎 sau 4 mục quick_replies: ở đó trợ lý sẽ không hỏi câu trả lời này có hữu ích không; muốn nhận đánh giá thì chỉ giữ tối đa 3 mục quick_replies',
  );
  expect(renderMessage(warnings[0]!.detail!, 'en')).toMatch(
    /^no room on Zalo \(5 buttons\) for the 2 feedback buttons/,
  );
});
