/** The procedure assistant through the real app: /api/chat fields, the conversation, the forms. */
import request from 'supertest';
import { buildTestApp } from '../support/app';
import { selectRows } from '../support/rows';

describe('/api/chat with the procedure catalogue', () => {
  const { app, db, reports } = buildTestApp();
  const say = (userId: string, text: string) =>
    request(app).post('/api/chat').send({ userId, text }).expect(200);

  it('answers a procedure question with procedure, options and facets', async () => {
    const res = await say('p1', 'đăng ký tạm trú cần giấy tờ gì');
    expect(res.body.procedure).toEqual({ code: '1.004194', title: expect.any(String) });
    expect(res.body.facets).toContain('documents');
    expect(Array.isArray(res.body.options)).toBe(true);
    const text = res.body.replies.map((r: { text?: string }) => r.text ?? '').join('\n');
    expect(text).toContain('mã 1.004194');
  });

  it('keeps the procedure for a follow-up, and a topic or small talk clears it', async () => {
    await say('p2', 'thủ tục đăng ký kết hôn');
    const followUp = await say('p2', 'nộp ở đâu vậy');
    expect(followUp.body).toMatchObject({ procedure: { code: '1.000894' }, facets: ['place'] });
    const topic = await say('p2', 'vneid là gì');
    expect(topic.body).toMatchObject({ procedure: null, options: [], facets: [], intent: 'vneid.about' });
  });

  it('asks which one for a family and takes the choice by tap', async () => {
    const question = await say('p3', 'tôi muốn đăng ký lại giấy tờ hộ tịch');
    expect(question.body.procedure).toBeNull();
    expect(question.body.options.length).toBeGreaterThanOrEqual(2);
    const [first] = question.body.quickReplies;
    const tap = await request(app)
      .post('/api/chat')
      .send({ userId: 'p3', payload: first.payload })
      .expect(200);
    expect(tap.body.procedure.code).toBe(question.body.options[0].code);
  });

  it('serves the official forms for download, and nothing outside them', async () => {
    const res = await say('p4', 'tờ khai cấp bản sao trích lục hộ tịch');
    const links: string[] = res.body.replies
      .filter((r: { type: string }) => r.type === 'link')
      .map((r: { url: string }) => r.url);
    expect(links.length).toBeGreaterThan(0);
    const form = await request(app).get(
      '/procedures/forms/1.000797/TO%20KHAI%20CAP%20BAN%20SAO%20TRICH%20LUC%20HO%20TICH.docx',
    );
    expect(form.status).toBe(200);
    expect(form.body.length ?? form.text.length).toBeGreaterThan(1000);
    await request(app).get('/procedures/forms/..%2f..%2fpackage.json').expect(404);
    await request(app).get('/procedures/forms/').expect(404);
  });

  it('logs the procedure and facets of each reply, and reports the procedures most asked about', async () => {
    await say('p5', 'đăng ký khai tử cần giấy tờ gì');
    await say('p5', 'mất bao lâu');
    const rows = await selectRows(
      db,
      "SELECT procedure, facets FROM interactions WHERE procedure = '1.000656' ORDER BY id",
    );
    expect(rows).toEqual([
      { procedure: '1.000656', facets: 'documents' },
      { procedure: '1.000656', facets: 'time' },
    ]);
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    const report = await reports.reach({ from: today, to: today });
    expect(report.procedures).toContainEqual({ key: '1.000656', n: 2 });
  });
});
