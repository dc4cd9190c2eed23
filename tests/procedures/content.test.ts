/**
 * content:check for what editors add to procedures (content/procedures/<code>.md) and for the
 * locality file's agencies: each problem as file:line (field): message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runContentCheck } from '../../src/knowledge/check-report';
import { loadKnowledge } from '../../src/knowledge/loader';
import { sharedCatalogue } from '../../src/procedures/catalogue';
import { checkProcedureContent, procedureContentCheck } from '../../src/procedures/content';
import { agenciesNamedIn, readAgencies } from '../../src/procedures/locality';
import { tempDir } from '../support/app';

const TODAY = new Date('2026-11-30T12:00:00+07:00');
const knowledge = loadKnowledge({ contentDir: 'content', intentsDir: 'intents' });

function contentWith(files: Record<string, string>): string {
  const dir = path.join(tempDir('tthc-proc-content-'), 'content');
  fs.mkdirSync(path.join(dir, 'procedures'), { recursive: true });
  for (const [name, text] of Object.entries(files))
    fs.writeFileSync(path.join(dir, 'procedures', name), text);
  return dir;
}

const file = (meta: string, body = 'Tóm tắt.') => `---\n${meta}\nreviewed: 2026-11-30\n---\n${body}\n`;

function check(files: Record<string, string>) {
  const dir = contentWith(files);
  const result = checkProcedureContent(dir, sharedCatalogue(), { today: TODAY });
  return {
    errors: result.errors.map((e) =>
      e.message.replace(`${dir}/`, '').replace(/^.*procedures\//, 'procedures/'),
    ),
    warnings: result.warnings.map((w) => `${path.basename(w.file)}:${w.line}: ${w.message}`),
    entries: result.entries,
  };
}

describe('content/procedures/<code>.md', () => {
  it('accepts the bundled files', () => {
    const result = checkProcedureContent('content', sharedCatalogue(), { locality: knowledge.locality });
    expect(result.errors.map((e) => e.message)).toEqual([]);
    expect(result.entries.size).toBeGreaterThan(0);
  });

  it('reads aliases, fees with their source, notes and hiding', () => {
    const { errors, entries } = check({
      '1.001193.md': file(
        'code: "1.001193"\ntitle: "Đăng ký khai sinh"\naliases:\n  - làm giấy khai sinh\nfees:\n  - text: "Miễn lệ phí"\n    source: "Luật Hộ tịch, Điều 11"\nnotes:\n  - "Mang theo sổ hộ khẩu cũ nếu còn"\nhidden: true',
      ),
    });
    expect(errors).toEqual([]);
    expect(entries.get('1.001193')).toMatchObject({
      title: 'Đăng ký khai sinh',
      aliases: ['làm giấy khai sinh'],
      fees: [{ text: 'Miễn lệ phí', source: 'Luật Hộ tịch, Điều 11' }],
      hidden: true,
      summary: 'Tóm tắt.',
    });
  });

  it.each([
    [
      'a fee without its source',
      { '1.001193.md': file('code: "1.001193"\nfees:\n  - text: "50.000 đồng"') },
      /1\.001193\.md:4 \(fees\.0\.source\): expected the document that sets this fee/,
    ],
    [
      'a code that is not the file name',
      { '1.001193.md': file('code: "1.000894"') },
      /1\.001193\.md:2 \(code\): the file is about 1\.000894 but is named 1\.001193\.md/,
    ],
    [
      'an unknown code',
      { '9.999999.md': file('code: "9.999999"') },
      /9\.999999\.md:2 \(code\): no procedure 9\.999999 in the catalogue/,
    ],
    [
      'a bad date',
      { '1.001193.md': '---\ncode: "1.001193"\nreviewed: 30/11/2026\n---\n' },
      /1\.001193\.md:3 \(reviewed\): expected a date written YYYY-MM-DD/,
    ],
    [
      'a misspelt field',
      { '1.001193.md': file('code: "1.001193"\nalias:\n  - x') },
      /1\.001193\.md:4 \(alias\): unknown field "alias"/,
    ],
    ['no front matter', { '1.001193.md': 'Đăng ký khai sinh' }, /1\.001193\.md:1: expected front matter/],
  ])('reports %s with file, line and field', (_name, files, pattern) => {
    expect(check(files).errors).toEqual([expect.stringMatching(pattern)]);
  });

  it('warns when two procedures share an alias', () => {
    const { warnings } = check({
      '1.004194.md': file('code: "1.004194"\naliases:\n  - làm tạm trú'),
      '1.002755.md': file('code: "1.002755"\naliases:\n  - Làm tạm trú'),
    });
    expect(warnings).toEqual([
      expect.stringMatching(/1\.004194\.md:4: aliases\.0: "làm tạm trú" is also an alias of 1\.002755/),
    ]);
  });
});

describe('locality agencies', () => {
  const values = (entries: Record<string, string>) =>
    new Map(Object.entries(entries).map(([k, v]) => [k, { value: v, needsReview: false }]));

  it('places the kinds of agency the records name, through a locality group or a name', () => {
    const { agencies, problems } = readAgencies(
      values({
        'office.name': 'Trung tâm Phục vụ hành chính công phường A',
        'office.address': '1 Đường B',
        'agencies.commune.kind': 'Ủy ban nhân dân cấp xã',
        'agencies.commune.at': 'office',
        'agencies.police.kind': 'Công an cấp xã',
        'agencies.police.name': 'Công an phường A',
      }),
    );
    expect(problems).toEqual([]);
    expect(agenciesNamedIn('Chủ tịch UBND cấp xã; Công an cấp Xã', agencies).map((a) => a.name)).toEqual([
      'Trung tâm Phục vụ hành chính công phường A',
      'Công an phường A',
    ]);
  });

  it('reports an agency without a kind, one pointing nowhere, and a kind placed twice', () => {
    const { problems } = readAgencies(
      values({
        'agencies.a.at': 'office',
        'agencies.b.kind': 'Công an cấp xã',
        'agencies.b.at': 'nowhere',
        'agencies.c.kind': 'công an cấp xã',
        'agencies.c.name': 'X',
      }),
    );
    expect(problems.filter((p) => p.severity === 'error').map((p) => `${p.key}: ${p.message}`)).toEqual([
      expect.stringMatching(/^agencies\.a: expected kind/),
      expect.stringMatching(/^agencies\.b\.at: no "nowhere\.name" in the locality file/),
      expect.stringMatching(/^agencies\.c\.kind: "cong an cap xa" is also a kind of agencies\.b/),
    ]);
  });

  it('is part of npm run content:check, with the line in locality.yaml', () => {
    const root = tempDir('tthc-locality-');
    fs.cpSync('content', path.join(root, 'content'), { recursive: true });
    const locality = path.join(root, 'content', 'locality.yaml');
    fs.writeFileSync(
      locality,
      fs.readFileSync(locality, 'utf8').replace('    at: police\n', '    at: polise\n'),
    );
    const lines: string[] = [];
    const code = runContentCheck(
      { contentDir: path.join(root, 'content'), intentsDir: 'intents' },
      { lang: 'en', write: (l) => lines.push(l), extra: [procedureContentCheck(path.join(root, 'content'))] },
    );
    expect(code).toBe(1);
    const errors = lines.filter((l) => l.startsWith('ERROR'));
    expect(errors).toEqual([
      expect.stringMatching(/locality\.yaml:\d+ \(agencies\.commune_police\.at\): no "polise\.name"/),
    ]);
    const line = Number(/locality\.yaml:(\d+)/.exec(errors[0])![1]);
    expect(fs.readFileSync(locality, 'utf8').split('\n')[line - 1]).toContain('at: polise');
  });
});
