/**
 * From an unanswered question to a training phrase in one click: written into a temp copy of
 * intents/ with the editor's name and date, checked like content:check, refused (and the file
 * left as it was) when the check fails.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { buildTestApp, tempDir } from '../support/app';

const PASSWORD = 'training-test-password';

describe('unanswered question → training phrase', () => {
  const root = tempDir('tthc-training-');
  const contentDir = path.join(root, 'content');
  const intentsDir = path.join(root, 'intents');
  fs.cpSync(path.join(__dirname, '..', '..', 'content'), contentDir, { recursive: true });
  fs.cpSync(path.join(__dirname, '..', '..', 'intents'), intentsDir, { recursive: true });
  const { app, db } = buildTestApp({
    ADMIN_PASSWORD: PASSWORD,
    CONTENT_DIR: contentDir,
    INTENTS_DIR: intentsDir,
  });
  let cookie: string;
  beforeAll(async () => {
    await request(app).post('/api/chat').send({ userId: 'q1', text: 'giá vàng hôm nay' });
    const login = await request(app).post('/admin/login').type('form').send({ password: PASSWORD });
    cookie = String(login.headers['set-cookie']).split(';')[0];
  });
  afterAll(() => db.close());

  const train = (fields: Record<string, string>) =>
    request(app).post('/admin/unanswered/train').set('cookie', cookie).type('form').send(fields);

  it('lists the question with a form to pick a topic by title', async () => {
    const page = await request(app).get('/admin/unanswered?preset=year').set('cookie', cookie);
    expect(page.text).toContain('giá vàng hôm nay');
    expect(page.text).toContain('Thêm làm câu hỏi mẫu');
    expect(page.text).toMatch(/<option value="intent:proc\.id_card">[^<]+<\/option>/);
    expect(page.text).toMatch(/<option value="proc:1\.000419">Đăng ký khai tử lưu động<\/option>/);
  });

  it('appends the phrase with the editor and date, and the file still passes the check', async () => {
    const file = path.join(intentsDir, 'proc.id_card.yaml');
    const before = fs.readFileSync(file, 'utf8');
    const res = await train({
      target: 'intent:proc.id_card',
      phrase: 'thẻ căn cước của tôi bị gãy làm lại ở đâu',
      back: 'preset=year',
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Đã thêm vào chủ đề');
    const after = fs.readFileSync(file, 'utf8');
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    expect(after).toContain(
      `  - "thẻ căn cước của tôi bị gãy làm lại ở đâu" # thêm từ câu hỏi chưa trả lời: Quản trị viên, ${today}`,
    );
    expect(after.startsWith(before.trimEnd())).toBe(true);
  });

  it('refuses a phrase another topic already has, and leaves the file as it was', async () => {
    const other = fs.readFileSync(path.join(intentsDir, 'greeting.yaml'), 'utf8');
    const taken = /^\s*-\s*(.+)$/m.exec(other.slice(other.indexOf('phrases:')))![1].replace(/^"|"$/g, '');
    const file = path.join(intentsDir, 'proc.id_card.yaml');
    const before = fs.readFileSync(file, 'utf8');
    const res = await train({ target: 'intent:proc.id_card', phrase: taken });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Không thêm được');
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('adds another name of a procedure to its aliases, checked against the catalogue', async () => {
    const file = path.join(contentDir, 'procedures', '1.000419.md');
    const res = await train({ target: 'proc:1.000419', phrase: 'xin cán bộ xuống nhà làm giấy báo tử' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Đã thêm vào thủ tục 1.000419');
    const text = fs.readFileSync(file, 'utf8');
    const front = text.split('---')[1];
    expect(front).toMatch(
      /aliases:\n( {2}- .*\n)+ {2}- "xin cán bộ xuống nhà làm giấy báo tử" # thêm từ câu hỏi chưa trả lời: Quản trị viên, \d{4}-\d{2}-\d{2}\n/,
    );
  });

  it('refuses a phrase that still carries a redacted number, and an unknown topic', async () => {
    const redacted = await train({ target: 'intent:proc.id_card', phrase: 'gọi cho tôi [số điện thoại]' });
    expect(redacted.status).toBe(400);
    const unknown = await train({ target: 'intent:Không hợp lệ!', phrase: 'câu hỏi' });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('Chọn một chủ đề');
  });
});
