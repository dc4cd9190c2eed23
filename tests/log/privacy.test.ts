import request from 'supertest';
import { redact } from '../../src/store/redact';
import { Reports } from '../../src/store/reports';
import { openEngine } from '../../src/store/engine';
import { buildTestApp } from '../support/app';
import { forbiddenIn, PERSONAL_MESSAGES, rawBytesContaining, SECRETS, tableNames } from './scan';
import { selectColumn, selectRows } from '../support/rows';

describe('personal data never reaches the database', () => {
  const { app, db, config, handoffs } = buildTestApp({ ADMIN_PASSWORD: 'test-password-123' });
  afterAll(() => db.close());

  it('redacts IDs, phones and e-mails from every table and from the raw SQLite files', async () => {
    for (const text of PERSONAL_MESSAGES) {
      const res = await request(app).post('/api/chat').send({ userId: 'citizen-1', text });
      expect(res.status).toBe(200);
    }
    // A payload can carry text too (a crafted quick reply), and a handoff copies recent messages.
    await request(app)
      .post('/api/chat')
      .send({ userId: 'citizen-1', payload: `x ${SECRETS.phone}` });
    await request(app).post('/api/chat').send({ userId: 'citizen-1', payload: 'handoff' });
    await handoffs.settled();

    const tables = tableNames(db);
    expect(tables).toEqual(
      expect.arrayContaining(['interactions', 'handoffs', 'contacts', 'daily_unanswered']),
    );
    // Roll the log up so the daily tables hold text too.
    await new Reports(openEngine({ sqlite: db })).refresh();
    let cells = 0;
    const leaks: string[] = [];
    for (const table of tables)
      for (const row of (await selectRows(db, `SELECT * FROM "${table}"`)) as Record<string, unknown>[])
        for (const [column, value] of Object.entries(row)) {
          if (typeof value !== 'string') continue;
          cells++;
          for (const what of forbiddenIn(value))
            leaks.push(`${table}.${column}: ${what} in ${JSON.stringify(value)}`);
        }
    expect(leaks).toEqual([]);
    expect(cells).toBeGreaterThan(50);
    // The messages were stored, only redacted.
    const texts = await selectColumn(db, 'SELECT text FROM interactions WHERE text IS NOT NULL');
    expect(texts).toContain('số căn cước của tôi là [số giấy tờ] bị mất');
    expect(texts).toContain('gọi lại cho tôi số [số điện thoại] nhé');
    expect(texts).toContain('gửi vào email [email] giúp tôi');

    expect(
      rawBytesContaining(db, config.DATABASE_PATH, [
        '001234567890',
        '123456789',
        '0912 345 678',
        '912345678',
        'example.com',
      ]),
    ).toEqual([]);
  });
});

describe('redact', () => {
  it.each([
    ['CCCD 001234567890', 'CCCD [số giấy tờ]'],
    ['cmnd 123456789.', 'cmnd [số giấy tờ].'],
    ['sđt 0912 345 678 nhé', 'sđt [số điện thoại] nhé'],
    ['sđt 0912.345.678', 'sđt [số điện thoại]'],
    ['+84912345678', '[số điện thoại]'],
    ['+84 912 345 678', '[số điện thoại]'],
    ['(028) 3829 1234', '[số điện thoại]'],
    ['a.b-c@mail.gov.vn hỏi', '[email] hỏi'],
    ['Nguyễn.Văn@công-ty.vn', '[email]'],
  ])('%s → %s', (input, output) => {
    expect(redact(input)).toBe(output);
  });

  it.each(['gọi 1022', 'năm 2026', 'ngày 01/07/2025', 'lệ phí 50.000 đồng', 'mẫu CT01', 'phường 12 quận 3'])(
    'keeps "%s"',
    (text) => {
      expect(redact(text)).toBe(text);
    },
  );
});
