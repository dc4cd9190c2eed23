/**
 * `npm run content:check`: passes on the bundled content and fails, with file, line, field and
 * what to do, on each broken fixture. A fixture is an overlay of the files that differ from
 * the small valid tree in tests/fixtures/content/base.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runContentCheck } from '../../src/knowledge/check-report';
import { checkKnowledge } from '../../src/knowledge/loader';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'content');
const TODAY = new Date('2026-11-25T12:00:00+07:00');

/** Copies the base tree and the named overlay into a temp dir; returns the two folders. */
function fixture(name?: string) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tthc-content-'));
  fs.cpSync(path.join(FIXTURES, 'base'), root, { recursive: true });
  if (name) fs.cpSync(path.join(FIXTURES, name), root, { recursive: true });
  return { root, contentDir: path.join(root, 'content'), intentsDir: path.join(root, 'intents') };
}

function run(dirs: { contentDir: string; intentsDir: string }, today = TODAY) {
  const lines: string[] = [];
  const code = runContentCheck(dirs, { today, write: (l) => lines.push(l) });
  return { code, lines, errors: lines.filter((l) => l.startsWith('ERROR')) };
}

describe('content:check', () => {
  it('passes on the bundled content and on the base fixture', () => {
    // The bundled answers carry the real days editors checked them: judge them as of today, as
    // `npm run content:check` does (a fixed day would call every later review "in the future").
    expect(run({ contentDir: 'content', intentsDir: 'intents' }, new Date())).toMatchObject({
      code: 0,
      errors: [],
    });
    const base = run(fixture());
    expect(base).toMatchObject({ code: 0, errors: [] });
    expect(base.lines.at(-1)).toMatch(/^OK +2 answers, 2 intents, content version [0-9a-f]{12}/);
  });

  // [fixture, file (relative to the fixture root), line, "(field): message"]
  const cases: [string, string, number, string][] = [
    [
      'unknown-quick-reply-target',
      'content/greeting.md',
      5,
      '(quick_replies.0.intent): unknown intent "thank_you"',
    ],
    [
      'placeholder-not-in-locality',
      'content/greeting.md',
      16,
      '({{hotline.phone}}): placeholder not found in locality.yaml; add "hotline.phone" there or fix the name',
    ],
    [
      'malformed-placeholder',
      'content/greeting.md',
      13,
      '(body): malformed placeholder "{{ Office.Address }}"; write it as {{office.address}} (lowercase, dots, two braces on each side)',
    ],
    [
      'phrase-under-two-intents',
      'intents/thanks.yaml',
      4,
      '(phrases.1): "Xin chào!" is also a phrase of intent "greeting"; keep it under one intent only',
    ],
    [
      'out-of-scope-phrase-of-an-intent',
      'intents/_out_of_scope.yaml',
      3,
      '(phrases.1): "cam on" is listed as out of scope but is also a phrase of intent "thanks"; keep it in one place only',
    ],
    [
      'step-over-platform-limit',
      'content/thanks.md',
      10,
      '(## Chi tiết): step 1 makes a message of 2179 characters; Zalo and Messenger accept at most 2000: split it into two "## " sections',
    ],
    [
      'first-message-too-long',
      'content/thanks.md',
      8,
      '(body): the first message has 689 characters; keep it at most 600 and move details into "## " sections',
    ],
    [
      'too-many-buttons',
      'content/greeting.md',
      5,
      '(quick_replies): Zalo shows at most 5 buttons under a message; with the 2 guide buttons keep at most 3 quick replies (found 4)',
    ],
    [
      'quick-reply-label-too-long',
      'content/thanks.md',
      5,
      '(quick_replies.0.label): expected at most 20 characters',
    ],
    ['malformed-date', 'content/thanks.md', 6, '(reviewed): expected a date written YYYY-MM-DD'],
    [
      'review-date-in-future',
      'content/thanks.md',
      6,
      '(reviewed): the review date 2062-11-01 is in the future; write the day the answer was checked (YYYY-MM-DD)',
    ],
    ['malformed-url', 'content/thanks.md', 5, '(sources.0): expected a full URL of the official source'],
    [
      'intent-without-answer',
      'intents/office.hours.yaml',
      1,
      '(id): intent "office.hours" has no answer; add {root}/content/office.hours.md',
    ],
    [
      'answer-file-misnamed',
      'content/office_hours.md',
      2,
      '(intent): the file answers "office.hours" but is named office_hours.md; name it office.hours.md',
    ],
    [
      'invalid-yaml',
      'content/locality.yaml',
      2,
      ': not valid YAML: Missing closing "quote (check for a missing or extra quote, bracket or brace on this line)',
    ],
    [
      'missing-front-matter',
      'content/thanks.md',
      1,
      ': expected front matter between two "---" lines at the top',
    ],
    [
      'unknown-front-matter-key',
      'content/thanks.md',
      4,
      '(needs_reveiw): unknown field "needs_reveiw": check its spelling or remove it',
    ],
  ];

  it.each(cases)('fails on %s with one precise error', (name, file, line, message) => {
    const dirs = fixture(name);
    const result = run(dirs);
    expect(result.code).toBe(1);
    const where = `${path.join(dirs.root, file)}:${line}`;
    const separator = message.startsWith(':') ? '' : ' ';
    expect(result.errors).toEqual([`ERROR   ${where}${separator}${message.replace('{root}', dirs.root)}`]);
    expect(result.lines.at(-1)).toMatch(/^FAILED {2}1 error\(s\)/);
  });

  it('has at least 8 broken fixtures, each used above', () => {
    const dirs = fs.readdirSync(FIXTURES).filter((d) => d !== 'base');
    expect(dirs.length).toBeGreaterThanOrEqual(8);
    expect(dirs.sort()).toEqual(cases.map(([name]) => name).sort());
  });

  it('warns about needs_review values and answers and about reviews older than 180 days', () => {
    const dirs = fixture();
    const thanks = path.join(dirs.contentDir, 'thanks.md');
    fs.writeFileSync(
      thanks,
      fs
        .readFileSync(thanks, 'utf8')
        .replace('reviewed: 2026-11-01', 'reviewed: 2026-05-01\nneeds_review: true'),
    );
    const result = run(dirs);
    expect(result.code).toBe(0);
    expect(result.lines).toEqual(
      expect.arrayContaining([
        `WARNING ${path.join(dirs.contentDir, 'locality.yaml')}:3: office.address needs review: example`,
        `WARNING ${thanks}:6: reviewed 2026-05-01, more than 180 days ago: check the facts again and update the date`,
        `WARNING ${thanks}:7: needs_review: true (contains facts still to be verified)`,
      ]),
    );
    // 180 days to the day is not yet "older than 180 days".
    fs.writeFileSync(
      thanks,
      fs.readFileSync(thanks, 'utf8').replace('reviewed: 2026-05-01', 'reviewed: 2026-05-29'),
    );
    expect(run(dirs).lines.some((l) => l.includes('more than 180 days'))).toBe(false);
  });

  it('reports every error of a file at once, not only the first', () => {
    const dirs = fixture();
    fs.writeFileSync(
      path.join(dirs.contentDir, 'thanks.md'),
      '---\nintent: thanks\ntitle: Cảm ơn\nsources:\n  - www.example\nreviewed: 2026-1-1\n---\nXin cảm ơn {{nope}}\n',
    );
    const { errors } = checkKnowledge(dirs, { today: TODAY });
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [5, 'sources.0'],
      [6, 'reviewed'],
    ]);
  });

  it('names a missing folder and the variable to fix', () => {
    const { errors } = checkKnowledge({ contentDir: '/nonexistent/content', intentsDir: 'intents' });
    expect(errors.map((e) => e.message)).toEqual([
      '/nonexistent/content: folder not found; check CONTENT_DIR',
    ]);
  });

  it('names locality.yaml and system.yaml when they are missing', () => {
    const dirs = fixture();
    for (const name of ['locality.yaml', 'system.yaml']) fs.rmSync(path.join(dirs.contentDir, name));
    const { errors } = checkKnowledge(dirs, { today: TODAY });
    const missing = errors.filter((e) => e.problem === 'file is missing');
    expect(missing.map((e) => path.basename(e.file))).toEqual(['locality.yaml', 'system.yaml']);
  });

  describe('as the npm script', () => {
    const TSX = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const script = (env: Record<string, string>) =>
      spawnSync(TSX, ['scripts/content-check.ts'], { env: { ...process.env, ...env }, encoding: 'utf8' });

    it('exits 0 on the bundled content and 1 with the error on a broken tree', () => {
      const ok = script({ CONTENT_DIR: 'content', INTENTS_DIR: 'intents' });
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/^OK .*0 error\(s\)/m);

      const dirs = fixture('unknown-quick-reply-target');
      const broken = script({ CONTENT_DIR: dirs.contentDir, INTENTS_DIR: dirs.intentsDir });
      expect(broken.status).toBe(1);
      expect(broken.stdout).toContain(
        `ERROR   ${dirs.contentDir}/greeting.md:5 (quick_replies.0.intent): unknown intent "thank_you"`,
      );
    });
  });
});
