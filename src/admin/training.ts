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
import { cleanText, foldAccents } from '../nlu/normalise';

const INTENT_ID = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;
const PHRASE_MAX = 300;

export type TrainingResult = { ok: true; file: string } | { ok: false; message: string };

const folded = (text: string) => foldAccents(cleanText(text));

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
  const comment = `# thêm từ câu hỏi chưa trả lời: ${input.editor.replace(/[\r\n#]/g, ' ')}, ${input.day}`;
  lines.splice(end + 1, 0, `  - ${JSON.stringify(phrase)} ${comment}`);
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
