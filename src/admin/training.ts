/**
 * "Add as a training phrase": an editor picks a topic for a question the bot could not
 * answer, and the phrase is written into intents/<topic>.yaml with the editor's name and the
 * date as a comment. The edit is then checked exactly as `npm run content:check` checks
 * (same loader, same schemas); if the check finds an error the file is put back as it was.
 * The running bot picks the change up through its content watcher, like any edit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkKnowledge, type KnowledgeDirs } from '../knowledge/loader';
import type { ProcedureCatalogue } from '../procedures/catalogue';
import { checkProcedureContent, PROCEDURES_CONTENT_DIR } from '../procedures/content';
import { cleanText, foldAccents } from '../nlu/normalise';

const INTENT_ID = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;
const PHRASE_MAX = 300;

export type TrainingResult = { ok: true; file: string } | { ok: false; message: string };

const folded = (text: string) => foldAccents(cleanText(text));

/** Common checks of a phrase an editor submits; null when it is fine. */
function phraseProblem(phrase: string): string | null {
  if (phrase.length < 2 || phrase.length > PHRASE_MAX)
    return `Câu hỏi mẫu phải có từ 2 đến ${PHRASE_MAX} ký tự.`;
  if (/\[(số giấy tờ|số điện thoại|email)\]/.test(phrase))
    return 'Câu hỏi còn chỗ đã che thông tin cá nhân ([số điện thoại]…): hãy viết lại câu hỏi không có phần đó.';
  return null;
}

const editorComment = (editor: string, day: string) =>
  `# thêm từ câu hỏi chưa trả lời: ${editor.replace(/[\r\n#]/g, ' ')}, ${day}`;

/** The procedures editors have a file for (content/procedures/<code>.md), by title. */
export function procedureChoices(contentDir: string): { code: string; title: string }[] {
  const dir = path.join(contentDir, PROCEDURES_CONTENT_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .map((f) => {
      const head = fs.readFileSync(path.join(dir, f), 'utf8').slice(0, 2000);
      const title = /^title:\s*"?(.+?)"?\s*$/m.exec(head)?.[1] ?? f.slice(0, -3);
      return { code: f.slice(0, -3), title };
    })
    .sort((a, b) => a.title.localeCompare(b.title, 'vi'));
}

/**
 * Adds an alias to content/procedures/<code>.md (front matter `aliases:`), then checks the
 * procedure files as content:check does; puts the file back if the check finds an error.
 */
export function addProcedureAlias(
  contentDir: string,
  catalogue: ProcedureCatalogue,
  input: { code: string; phrase: string; editor: string; day: string },
): TrainingResult {
  const phrase = input.phrase.replace(/\s+/g, ' ').trim();
  const problem = phraseProblem(phrase);
  if (problem) return { ok: false, message: problem };
  if (!/^[0-9A-Za-z.\-_]+$/.test(input.code))
    return { ok: false, message: 'Chọn một thủ tục trong danh sách.' };
  const file = path.join(contentDir, PROCEDURES_CONTENT_DIR, `${input.code}.md`);
  if (!fs.existsSync(file)) return { ok: false, message: `Không có tệp thủ tục ${input.code}.md.` };
  const original = fs.readFileSync(file, 'utf8');
  const lines = original.split('\n');
  const close = lines.indexOf('---', 1);
  if (lines[0] !== '---' || close === -1)
    return { ok: false, message: `Tệp ${input.code}.md không có phần thông tin giữa hai dòng ---.` };
  const line = `  - ${JSON.stringify(phrase)} ${editorComment(input.editor, input.day)}`;
  const start = lines.findIndex((l, i) => i < close && /^aliases:\s*(#.*)?$/.test(l));
  if (start === -1) lines.splice(close, 0, 'aliases:', line);
  else {
    let end = start;
    for (let i = start + 1; i < close && /^\s+\S/.test(lines[i]); i++) end = i;
    const existing = lines
      .slice(start + 1, end + 1)
      .map((l) => folded(l.replace(/^\s*-\s*/, '').replace(/#.*$/, '')));
    if (existing.includes(folded(phrase)))
      return { ok: false, message: 'Thủ tục này đã có tên gọi giống như vậy.' };
    lines.splice(end + 1, 0, line);
  }
  writeAtomically(file, lines.join('\n'));
  const check = checkProcedureContent(contentDir, catalogue);
  const mine = check.errors.filter((e) => path.resolve(e.file ?? '') === path.resolve(file));
  if (mine.length > 0) {
    writeAtomically(file, original);
    return {
      ok: false,
      message: `Không thêm được, vì kiểm tra nội dung báo lỗi: ${mine
        .slice(0, 3)
        .map((e) => e.message)
        .join('; ')}`,
    };
  }
  return { ok: true, file: path.relative(path.dirname(contentDir), file) };
}

export function addTrainingPhrase(
  dirs: KnowledgeDirs,
  input: { intent: string; phrase: string; editor: string; day: string },
): TrainingResult {
  const phrase = input.phrase.replace(/\s+/g, ' ').trim();
  if (phrase.length < 2 || phrase.length > PHRASE_MAX)
    return { ok: false, message: `Câu hỏi mẫu phải có từ 2 đến ${PHRASE_MAX} ký tự.` };
  if (/\[(số giấy tờ|số điện thoại|email)\]/.test(phrase))
    return {
      ok: false,
      message:
        'Câu hỏi còn chỗ đã che thông tin cá nhân ([số điện thoại]…): hãy viết lại câu hỏi không có phần đó.',
    };
  if (!INTENT_ID.test(input.intent)) return { ok: false, message: 'Chọn một chủ đề trong danh sách.' };
  const file = path.join(dirs.intentsDir, `${input.intent}.yaml`);
  if (!fs.existsSync(file))
    return { ok: false, message: `Không có tệp ${input.intent}.yaml cho chủ đề này.` };

  const original = fs.readFileSync(file, 'utf8');
  const lines = original.split('\n');
  const start = lines.findIndex((l) => /^phrases:\s*(#.*)?$/.test(l));
  if (start === -1) return { ok: false, message: `Tệp ${path.basename(file)} không có mục "phrases:".` };
  // The end of the phrases block: the last list item (or its continuation) before the next key.
  let end = start;
  for (let i = start + 1; i < lines.length; i++) {
    if (/^\S/.test(lines[i])) break;
    if (lines[i].trim() !== '') end = i;
  }
  const existing = lines
    .slice(start + 1, end + 1)
    .map((l) => folded(l.replace(/^\s*-\s*/, '').replace(/#.*$/, '')));
  if (existing.includes(folded(phrase)))
    return { ok: false, message: 'Chủ đề này đã có câu hỏi mẫu giống như vậy.' };
  lines.splice(end + 1, 0, `  - ${JSON.stringify(phrase)} ${editorComment(input.editor, input.day)}`);
  writeAtomically(file, lines.join('\n'));

  const check = checkKnowledge(dirs);
  if (check.errors.length > 0) {
    writeAtomically(file, original);
    return {
      ok: false,
      message: `Không thêm được, vì kiểm tra nội dung báo lỗi: ${check.errors
        .slice(0, 3)
        .map((e) => e.message)
        .join('; ')}`,
    };
  }
  return { ok: true, file: path.relative(path.dirname(dirs.intentsDir), file) };
}

function writeAtomically(file: string, text: string) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
