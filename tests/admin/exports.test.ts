/**
 * The dashboard's downloads: the .xlsx is a real ZIP of OOXML parts with Vietnamese headers,
 * numeric cells and one sheet per channel plus a total; the CSVs have Vietnamese headers.
 */
import zlib from 'node:zlib';
import request from 'supertest';
import { buildTestApp } from '../support/app';
import { xlsx } from '../../src/admin/xlsx';

const PASSWORD = 'exports-test-password';

/** Reads every file of a ZIP through its central directory (what Excel does). */
function unzip(buf: Buffer): Map<string, string> {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(end).toBeGreaterThan(0);
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const files = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(at)).toBe(0x02014b50);
    const method = buf.readUInt16LE(at + 10);
    const crc = buf.readUInt32LE(at + 16);
    const size = buf.readUInt32LE(at + 20);
    const nameLength = buf.readUInt16LE(at + 28);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const packed = buf.subarray(dataAt, dataAt + size);
    const data = method === 8 ? zlib.inflateRawSync(packed) : packed;
    expect(zlib.crc32(data)).toBe(crc);
    files.set(name, data.toString('utf8'));
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return files;
}

/** Supertest parser that keeps a binary body as one Buffer. */
function binary(res: request.Response, done: (err: Error | null, body: unknown) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

describe('dashboard downloads', () => {
  const { app, db } = buildTestApp({ ADMIN_PASSWORD: PASSWORD });
  let cookie: string;
  beforeAll(async () => {
    await request(app).post('/api/chat').send({ userId: 'x1', text: 'làm thẻ căn cước ở đâu' });
    await request(app).post('/api/chat').send({ userId: 'x2', text: 'giá vàng hôm nay' });
    const res = await request(app).post('/admin/login').type('form').send({ password: PASSWORD });
    cookie = String(res.headers['set-cookie']).split(';')[0];
  });
  afterAll(() => db.close());

  it('the .xlsx opens as a workbook: a total sheet and one per channel, Vietnamese headers, numeric cells', async () => {
    const res = await request(app)
      .get('/admin/export/report.xlsx?preset=year')
      .set('cookie', cookie)
      .buffer(true)
      .parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toMatch(/bao-cao-.*\.xlsx/);
    const files = unzip(res.body as Buffer);
    expect([...files.keys()]).toEqual(
      expect.arrayContaining(['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml', 'xl/styles.xml']),
    );
    const names = [...files.get('xl/workbook.xml')!.matchAll(/<sheet name="([^"]+)"/g)].map((m) => m[1]);
    expect(names).toEqual(['Tổng', 'Web', 'Zalo', 'Messenger', 'Telegram']);
    const total = files.get('xl/worksheets/sheet1.xml')!;
    expect(total).toContain('<t xml:space="preserve">Chỉ số</t>');
    expect(total).toContain('<t xml:space="preserve">Người dân tiếp cận</t>');
    // "Người dân tiếp cận" is row 5; its value is the number 2, not the text "2".
    expect(total).toContain('<c r="B5"><v>2</v></c>');
    expect(total).toContain('Câu trả lời: Thẻ căn cước');
    const zalo = files.get('xl/worksheets/sheet3.xml')!;
    expect(zalo).toContain('<c r="B5"><v>0</v></c>');
  });

  it('escapes text and drops characters XML cannot hold', () => {
    const files = unzip(xlsx([{ name: 'a/b', rows: [['<x> & "y"\u0001', 3.5]] }]));
    expect(files.get('xl/worksheets/sheet1.xml')).toContain('&lt;x&gt; &amp; &quot;y&quot;</t>');
    expect(files.get('xl/worksheets/sheet1.xml')).toContain('<v>3.5</v>');
    expect(files.get('xl/workbook.xml')).toContain('<sheet name="a b"');
  });

  it('the CSVs have Vietnamese headers', async () => {
    const report = await request(app).get('/admin/export/report.csv?preset=year').set('cookie', cookie);
    expect(report.text.replace('\ufeff', '').split('\r\n')[0]).toBe('Chỉ số,Giá trị');
    expect(report.text).toContain('Người dân tiếp cận,2');
    const unanswered = await request(app)
      .get('/admin/export/unanswered.csv?preset=year')
      .set('cookie', cookie);
    expect(unanswered.text.replace('\ufeff', '').split('\r\n')[0]).toBe(
      'Số lần,"Câu hỏi (chuẩn hóa, không dấu)",Ví dụ người dân gõ',
    );
  });
});

describe('static assets', () => {
  const { app, db } = buildTestApp();
  afterAll(() => db.close());

  it('are sent gzip-compressed to browsers that accept it, and plain to others', async () => {
    const gz = await request(app)
      .get('/admin/assets/chart.umd.min.js')
      .set('accept-encoding', 'gzip, deflate, br')
      .buffer(true)
      .parse(binary);
    expect(gz.status).toBe(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(Number(gz.headers['content-length'])).toBeLessThan(100_000);
    const page = await request(app).get('/chat.js').set('accept-encoding', 'gzip');
    expect(page.headers['content-encoding']).toBe('gzip');
    expect(page.headers.vary).toContain('Accept-Encoding');
    const plain = await request(app).get('/chat.js').set('accept-encoding', 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.text).toContain('TRANSCRIPT_KEY');
    const escape = await request(app).get('/..%2Fpackage.json').set('accept-encoding', 'gzip');
    expect(escape.status).not.toBe(200);
  });
});

describe('periodic report and review list', () => {
  const { app, db } = buildTestApp({ ADMIN_PASSWORD: PASSWORD });
  let cookie: string;
  beforeAll(async () => {
    const res = await request(app).post('/admin/login').type('form').send({ password: PASSWORD });
    cookie = String(res.headers['set-cookie']).split(';')[0];
  });
  afterAll(() => db.close());

  it('opens on last quarter, one click for each named period, and says when there is no data', async () => {
    const res = await request(app).get('/admin/report').set('cookie', cookie);
    expect(res.status).toBe(200);
    const d = new Date(Date.now() + 7 * 3_600_000);
    const q = Math.ceil((d.getUTCMonth() + 1) / 3);
    const last = q === 1 ? `${d.getUTCFullYear() - 1}-Q4` : `${d.getUTCFullYear()}-Q${q - 1}`;
    expect(res.text).toContain(`class="preset preset--on" href="/admin/report?period=${last}"`);
    expect(res.text).toMatch(/<h1>Báo cáo Quý (I|II|III|IV)\/\d{4}<\/h1>/);
    expect(res.text).toContain('Chưa có dữ liệu trong kỳ này');
    expect(res.text).toContain('Cách tính');
    const month = await request(app).get('/admin/report?period=2026-03').set('cookie', cookie);
    expect(month.text).toContain('<h1>Báo cáo Tháng 3/2026</h1>');
    const bad = await request(app).get('/admin/report?period=2026-Q9').set('cookie', cookie);
    expect(bad.status).toBe(400);
  });

  it('lists the answers marked needs_review by title', async () => {
    const res = await request(app).get('/admin/review').set('cookie', cookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain('needs_review');
    expect(res.text).toMatch(/<code>content\/[^<]+\.md<\/code>/);
  });
});
