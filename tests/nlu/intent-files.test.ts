/**
 * intents/ parsed on the NLU side: the rules across intent files, one `describe` per rule,
 * and the parse of a whole folder's files.
 */
import {
  oneFilePerIntentId,
  onePhraseOneIntent,
  outOfScopeApartFromIntents,
  parseIntentFiles,
  type ParsedIntentFile,
} from '../../src/nlu/intent-files';

const lineOf = (path: readonly (string | number)[]) => (path[0] === 'id' ? 1 : 3 + Number(path[1]));
const file = (name: string, id: string, phrases: string[]): ParsedIntentFile => ({
  file: `intents/${name}.yaml`,
  intent: { id, phrases },
  lineOf,
});

describe('oneFilePerIntentId', () => {
  it('keeps the first file of an id and reports the second at its id line', () => {
    const result = oneFilePerIntentId([file('a', 'dvc.about', ['x']), file('b', 'dvc.about', ['y'])]);
    expect(result.files.map((f) => f.file)).toEqual(['intents/a.yaml']);
    expect(result.errors.map((e) => [e.file, e.line, e.detail?.id])).toEqual([
      ['intents/b.yaml', 1, 'intent.duplicate'],
    ]);
  });
});

describe('onePhraseOneIntent', () => {
  it('reports a phrase under two intents, however it is accented or punctuated', () => {
    const errors = onePhraseOneIntent([
      file('a', 'proc.id_card', ['làm căn cước']),
      file('b', 'vneid.about', ['Lam can cuoc?', 'vneid là gì']),
    ]);
    expect(errors.map((e) => [e.file, e.line, e.detail])).toEqual([
      [
        'intents/b.yaml',
        3,
        { id: 'phrase.twoIntents', params: { phrase: 'Lam can cuoc?', owner: 'proc.id_card' } },
      ],
    ]);
  });

  it('lets one intent repeat its own phrase', () => {
    expect(onePhraseOneIntent([file('a', 'a', ['xin chào', 'Xin chào!'])])).toEqual([]);
  });
});

describe('outOfScopeApartFromIntents', () => {
  it('reports an out-of-scope phrase that trains an intent', () => {
    const errors = outOfScopeApartFromIntents(
      { file: 'intents/_out_of_scope.yaml', phrases: ['thời tiết', 'làm căn cước'], lineOf },
      [file('a', 'proc.id_card', ['lam can cuoc'])],
    );
    expect(errors.map((e) => [e.line, e.detail?.id])).toEqual([[4, 'phrase.outOfScopeAndIntent']]);
  });
});

describe('parseIntentFiles', () => {
  it('reads intents, out-of-scope phrases and abbreviations, and reports a bad file by line', () => {
    const result = parseIntentFiles([
      { name: 'intents/_abbreviations.yaml', text: 'abbreviations:\n  cccd: căn cước công dân\n' },
      { name: 'intents/_out_of_scope.yaml', text: 'phrases:\n  - thời tiết\n' },
      { name: 'intents/greeting.yaml', text: 'id: greeting\nphrases:\n  - xin chào\n' },
      { name: 'intents/broken.yaml', text: 'id: broken\nphrases: []\n' },
    ]);
    expect(result.intents).toEqual([
      { id: 'greeting', phrases: ['xin chào'], file: 'intents/greeting.yaml' },
    ]);
    expect(result.outOfScope).toEqual(['thời tiết']);
    expect(result.abbreviations).toEqual({ cccd: 'căn cước công dân' });
    expect(result.errors.map((e) => [e.file, e.line, e.detail?.id])).toEqual([
      ['intents/broken.yaml', 2, 'schema.phrasesNone'],
    ]);
  });
});
