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
import { isMessageId, renderMessage, type Lang } from '../../src/core/content-messages';
import { procedureContentCheck } from '../../src/procedures/content';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'content');
const TODAY = new Date('2026-11-25T12:00:00+07:00');

/** Copies the base tree and the named overlay into a temp dir; returns the two folders. */
function fixture(name?: string) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tthc-content-'));
  fs.cpSync(path.join(FIXTURES, 'base'), root, { recursive: true });
  if (name) fs.cpSync(path.join(FIXTURES, name), root, { recursive: true });
  return { root, contentDir: path.join(root, 'content'), intentsDir: path.join(root, 'intents') };
}

function run(dirs: { contentDir: string; intentsDir: string }, today = TODAY, lang: Lang = 'en') {
  const lines: string[] = [];
  const code = runContentCheck(dirs, { today, lang, write: (l) => lines.push(l) });
  return { code, lines, errors: lines.filter((l) => l.startsWith(lang === 'en' ? 'ERROR' : 'LỖI')) };
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

  // What commune staff read: the same file:line, the field as they would name it, what to do.
  const vietnamese: Record<string, string> = {
    'unknown-quick-reply-target':
      '(trường quick_replies số 1 › intent): không có chủ đề nào mang mã "thank_you"; sửa thành mã của một tệp trong thư mục intents/',
    'placeholder-not-in-locality':
      '(biến {{hotline.phone}}): không có biến "hotline.phone" trong locality.yaml; thêm "hotline.phone" vào tệp đó hoặc sửa lại tên biến',
    'malformed-placeholder':
      '(phần nội dung): biến thay thế viết sai: "{{ Office.Address }}"; viết theo dạng {{office.address}} (chữ thường, dấu chấm, hai dấu ngoặc nhọn mỗi bên)',
    'phrase-under-two-intents':
      '(trường phrases số 2): câu "Xin chào!" cũng là câu hỏi mẫu của chủ đề "greeting"; mỗi câu chỉ thuộc một chủ đề: xóa nó ở một trong hai tệp',
    'out-of-scope-phrase-of-an-intent':
      '(trường phrases số 2): câu "cam on" vừa nằm trong danh sách ngoài phạm vi vừa là câu hỏi mẫu của chủ đề "thanks"; chỉ giữ ở một nơi',
    'step-over-platform-limit':
      '(mục "## Chi tiết"): bước 1 thành một tin nhắn dài 2179 ký tự; Zalo và Messenger chỉ nhận tối đa 2000: tách thành hai mục "## "',
    'first-message-too-long':
      '(phần nội dung): tin nhắn đầu tiên dài 689 ký tự; rút gọn còn tối đa 600 ký tự và chuyển phần chi tiết xuống các mục "## "',
    'too-many-buttons':
      '(trường quick_replies): Zalo chỉ hiện tối đa 5 nút dưới một tin nhắn; câu trả lời có các bước đã tự thêm 2 nút, nên chỉ giữ tối đa 3 mục dưới quick_replies (đang có 4)',
    'quick-reply-label-too-long':
      '(trường quick_replies số 1 › label): nhãn nút bấm dài quá: tối đa 20 ký tự, hãy viết ngắn lại',
    'malformed-date': '(trường reviewed): ngày phải viết theo dạng năm-tháng-ngày, ví dụ 2026-11-25',
    'review-date-in-future':
      '(trường reviewed): ngày kiểm tra 2062-11-01 nằm ở tương lai; ghi ngày bạn đã kiểm tra câu trả lời (năm-tháng-ngày)',
    'malformed-url':
      '(trường sources số 1): cần địa chỉ đầy đủ (bắt đầu bằng https://) của trang chính thức bạn đã đối chiếu',
    'intent-without-answer':
      '(trường id): chủ đề "office.hours" chưa có câu trả lời; tạo tệp {root}/content/office.hours.md',
    'answer-file-misnamed':
      '(trường intent): tệp trả lời chủ đề "office.hours" nhưng lại tên là office_hours.md; đổi tên tệp thành office.hours.md',
    'invalid-yaml':
      ': tệp viết sai cú pháp YAML ở dòng này: dòng này thiếu hoặc thừa một dấu ngoặc kép, ngoặc vuông [ ] hoặc ngoặc nhọn { }: hãy kiểm tra và sửa lại',
    'missing-front-matter':
      ': thiếu phần thông tin ở đầu tệp: tệp phải bắt đầu bằng một dòng "---", các trường, rồi một dòng "---"',
    'unknown-front-matter-key':
      '(trường needs_reveiw): không có trường nào tên "needs_reveiw": kiểm tra lại chính tả hoặc xóa dòng này',
  };

  it.each(cases)(
    'tells editors in Vietnamese what is wrong in %s, with the same file:line',
    (name, file, line) => {
      const dirs = fixture(name);
      const result = run(dirs, TODAY, 'vi');
      expect(result.code).toBe(1);
      const message = vietnamese[name]!;
      const separator = message.startsWith(':') ? '' : ' ';
      expect(result.errors).toEqual([
        `LỖI       ${path.join(dirs.root, file)}:${line}${separator}${message.replace('{root}', dirs.root)}`,
      ]);
      expect(result.lines.at(-1)).toMatch(
        /^KHÔNG ĐẠT 1 lỗi, \d+ cảnh báo\. Sửa từng LỖI ở trên \(tệp:dòng\)/,
      );
    },
  );

  it('takes every message of every broken fixture from the catalogue, so none is left in English', () => {
    for (const [name] of cases) {
      const { errors, warnings } = checkKnowledge(fixture(name), { today: TODAY });
      for (const problem of [...errors.map((e) => e.detail), ...warnings.map((w) => w.detail)]) {
        expect([name, problem && isMessageId(problem.id)]).toEqual([name, true]);
        expect(renderMessage(problem!, 'vi')).not.toEqual(renderMessage(problem!, 'en'));
      }
    }
  });

  it('suggests the intent id an editor probably meant', () => {
    const dirs = fixture('unknown-quick-reply-target');
    const greeting = path.join(dirs.contentDir, 'greeting.md');
    fs.writeFileSync(greeting, fs.readFileSync(greeting, 'utf8').replace('thank_you', 'thnaks'));
    expect(run(dirs, TODAY, 'vi').errors[0]).toContain(
      'không có chủ đề nào mang mã "thnaks" (có phải "thanks"?)',
    );
  });

  it('speaks Vietnamese for procedure files and locality agencies too', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tthc-procedures-'));
    const contentDir = path.join(root, 'content');
    fs.cpSync('content', contentDir, { recursive: true });
    const locality = path.join(contentDir, 'locality.yaml');
    fs.writeFileSync(
      locality,
      fs.readFileSync(locality, 'utf8').replace('    at: police\n', '    at: polise\n'),
    );
    const procedure = fs.readdirSync(path.join(contentDir, 'procedures'))[0]!;
    fs.renameSync(
      path.join(contentDir, 'procedures', procedure),
      path.join(contentDir, 'procedures', `x${procedure}`),
    );
    const lines: string[] = [];
    const code = runContentCheck(
      { contentDir, intentsDir: 'intents' },
      { write: (l) => lines.push(l), extra: [procedureContentCheck(contentDir)] },
    );
    expect(code).toBe(1);
    const code_ = procedure.replace(/\.md$/, '');
    expect(lines.filter((l) => l.startsWith('LỖI')).map((l) => l.replace(contentDir, 'content'))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^LỖI {7}content/procedures/x${code_.replace('.', '\\.')}\\.md:\\d+ \\(trường code\\): tệp nói về thủ tục ${code_.replace('.', '\\.')} nhưng lại tên là x`,
        ),
      ),
      expect.stringMatching(
        /^LỖI {7}content\/locality\.yaml:\d+ \(trường agencies › commune_police › at\): không có "polise\.name" trong locality\.yaml/,
      ),
    ]);
  });

  it('has at least 8 broken fixtures, each used above', () => {
    const dirs = fs.readdirSync(FIXTURES).filter((d) => d !== 'base');
    expect(dirs.length).toBeGreaterThanOrEqual(8);
    expect(dirs.sort()).toEqual(cases.map(([name]) => name).sort());
    expect(Object.keys(vietnamese).sort()).toEqual(dirs.sort());
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
    const script = (env: Record<string, string>, args: string[] = []) =>
      spawnSync(TSX, ['scripts/content-check.ts', ...args], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });

    it('exits 0 on the bundled content and 1 with the error on a broken tree, in Vietnamese', () => {
      const ok = script({ CONTENT_DIR: 'content', INTENTS_DIR: 'intents' });
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/^ĐẠT .*0 lỗi/m);

      const dirs = fixture('unknown-quick-reply-target');
      const broken = script({ CONTENT_DIR: dirs.contentDir, INTENTS_DIR: dirs.intentsDir });
      expect(broken.status).toBe(1);
      expect(broken.stdout).toContain(
        `LỖI       ${dirs.contentDir}/greeting.md:5 (trường quick_replies số 1 › intent): không có chủ đề nào mang mã "thank_you"`,
      );
    });

    it('speaks English with --lang en, and names a bad --lang', () => {
      const dirs = fixture('unknown-quick-reply-target');
      const broken = script({ CONTENT_DIR: dirs.contentDir, INTENTS_DIR: dirs.intentsDir }, ['--lang', 'en']);
      expect(broken.status).toBe(1);
      expect(broken.stdout).toContain(
        `ERROR   ${dirs.contentDir}/greeting.md:5 (quick_replies.0.intent): unknown intent "thank_you"`,
      );
      const bad = script({}, ['--lang', 'fr']);
      expect(bad.status).toBe(2);
      expect(bad.stderr.trim()).toBe('--lang: expected one of vi, en (got fr)');
    });
  });
});
