/**
 * Every contract intent answers through POST /api/chat (payload = the id) with the locality
 * values filled in, and the answers state the key facts of the content brief (FACTS.md).
 */
import request from 'supertest';
import { buildTestApp } from '../support/app';

/** The intent ids of the evaluation contract (tests/fixtures/eval/README.md). */
const CONTRACT_INTENTS = [
  'greeting',
  'thanks',
  'help',
  'handoff',
  'dvc.about',
  'dvc.account',
  'dvc.submit',
  'dvc.status',
  'dvc.payment',
  'hotline.1022',
  'feedback.report',
  'office.hours',
  'support.community_team',
  'vneid.about',
  'vneid.level1',
  'vneid.level2',
  'vneid.account',
  'vneid.documents',
  'dean06.about',
  'lienthong.birth',
  'lienthong.death',
  'proc.id_card',
  'proc.residence',
  'proc.criminal_record',
  'proc.driving_licence',
  'proc.civil_status',
  'proc.certification',
  'proc.business',
  'proc.land',
  'proc.construction',
  'proc.insurance',
  'proc.social_welfare',
];

const { app, db, knowledge } = buildTestApp();
afterAll(() => db.close());

const locality = (key: string) => {
  const entry = knowledge.current.knowledge.locality.get(key);
  if (!entry) throw new Error(`locality.yaml has no ${key}`);
  return entry.value;
};

interface ChatReply {
  type: string;
  text?: string;
}

/** The first message and, when the answer is a guide, every step ("Xem tất cả"). */
async function fullAnswer(intent: string): Promise<{ first: string; all: string; intent: unknown }> {
  const userId = `answers-${intent}`;
  const texts = (replies: ChatReply[]) => replies.map((r) => r.text ?? '').join('\n');
  const first = await request(app).post('/api/chat').send({ userId, payload: intent });
  expect(first.status).toBe(200);
  let all = texts(first.body.replies);
  if (knowledge.current.knowledge.answers.get(intent)!.steps.length > 0) {
    const steps = await request(app).post('/api/chat').send({ userId, payload: '#all' });
    all += `\n${texts(steps.body.replies)}`;
  }
  return { first: texts(first.body.replies), all, intent: first.body.intent };
}

describe('answers through /api/chat', () => {
  it.each(CONTRACT_INTENTS)('%s answers with every placeholder filled', async (id) => {
    const { intent, all } = await fullAnswer(id);
    expect(intent).toBe(id);
    expect(all).not.toMatch(/\{\{|\}\}/);
    expect(all.trim().length).toBeGreaterThan(40);
  });

  it.each(CONTRACT_INTENTS)('%s never doubles brackets around a locality value', async (id) => {
    // An unfilled value written "(chưa cập nhật …)" inside "(địa chỉ: {{office.address}})" read "((…))".
    expect((await fullAnswer(id)).all).not.toMatch(/\(\s*\(|\)\s*\)/);
  });

  it('never doubles brackets in the bot’s own messages either', () => {
    const { fallback, unsupportedMedia, slowDown } = knowledge.current.knowledge.system;
    for (const text of [fallback, unsupportedMedia, slowDown]) expect(text).not.toMatch(/\(\s*\(|\)\s*\)/);
  });

  it('fills the locality values: office, address, hours, hotline, portal, police', async () => {
    const office = await fullAnswer('office.hours');
    for (const key of ['office.name', 'office.address', 'office.hours'])
      expect(office.all).toContain(locality(key));
    expect((await fullAnswer('hotline.1022')).all).toContain(locality('hotline.dial'));
    expect((await fullAnswer('dvc.status')).all).toContain(locality('portal.provincial'));
    expect((await fullAnswer('vneid.level2')).all).toContain(locality('police.name'));
    expect((await fullAnswer('support.community_team')).all).toContain(locality('community_team.contact'));
    expect((await fullAnswer('greeting')).first).toContain(locality('commune.province'));
  });
});

describe('key facts (FACTS.md)', () => {
  const facts: Record<string, (string | RegExp)[]> = {
    'hotline.1022': [/không phải một số chung cả nước/, 'mã vùng', '1900 0368 (có tính cước)'],
    'dvc.about': [
      'dichvucong.gov.vn',
      'Văn phòng Chính phủ',
      'VNeID',
      /Toàn trình: .*kể cả nhận kết quả/,
      /Một phần: .*phải đến cơ quan/,
      'Nghị định 42/2022/NĐ-CP',
      'Nghị định 118/2025/NĐ-CP',
      'Nghị định 367/2025/NĐ-CP',
      'không phụ thuộc địa giới hành chính',
      '34 tỉnh',
      'không còn cấp huyện',
      'Trung tâm Phục vụ hành chính công',
      'vẫn còn giá trị',
    ],
    'dvc.account': ['1/7/2024', 'VNeID', 'Nghị định 69/2024/NĐ-CP', '30/6/2024', 'mức 1'],
    'dvc.submit': ['dichvucong.gov.vn', 'VNeID', 'mã hồ sơ', 'toàn trình', 'một phần'],
    'dvc.status': ['mã hồ sơ', 'số biên nhận', 'Quản lý hồ sơ', 'dichvucong.gov.vn'],
    'dvc.payment': ['NAPAS', 'VNPAY', 'MoMo', 'ViettelPay', 'mã hồ sơ', 'không phải thủ tục nào cũng vậy'],
    'vneid.about': ['Bộ Công an', 'Từ 14 tuổi', 'Từ 6 đến dưới 14 tuổi', 'Dưới 6 tuổi: tài khoản mức 1'],
    'vneid.level1': ['Đăng ký tài khoản mức 1', 'NFC', 'mã QR', 'khuôn mặt', '8–20 ký tự', 'passcode 6 số'],
    'vneid.level2': ['công an xã, phường', '1/3/2025', 'vân tay', 'SMS', 'căn cước điện tử'],
    'vneid.account': ['số định danh', 'OTP', '8–20 ký tự', 'passcode 6 số'],
    'vneid.documents': [
      '"Ví giấy tờ" → "Tích hợp thông tin" → "Tạo mới yêu cầu"',
      'giấy phép lái xe',
      'mức 2',
      '1/6/2025',
      '1/8/2025',
      'mã số BHXH chính là số định danh cá nhân',
    ],
    'lienthong.birth': [
      'đăng ký khai sinh',
      'đăng ký thường trú',
      'BHYT',
      'dưới 6 tuổi',
      'Quyết định 296/QĐ-VPCP',
      'Dịch vụ công liên thông khai sinh, khai tử',
      // The processing times of the two national records, each cited by its code.
      /tối đa 20 ngày làm việc cho cả ba việc \(mã 2\.000986\)/,
      /tối đa 15 ngày làm việc .*\(mã 2\.001023\)/,
      'Nghị định 63/2024/NĐ-CP',
      'dichvucong.gov.vn',
      'VNeID',
    ],
    'lienthong.death': [
      'đăng ký khai tử',
      'xóa đăng ký thường trú',
      'mai táng',
      'tử tuất',
      'Quyết định 296/QĐ-VPCP',
      'Dịch vụ công liên thông khai sinh, khai tử',
      // No national record gives the death group one time limit: each procedure's, by its code.
      'chưa công bố một thời hạn chung',
      /khai tử .*1 ngày.*mã 1\.000656/,
      /mã 1\.003197\): 5 ngày làm việc khi nộp trực tuyến/,
    ],
  };

  it.each(Object.entries(facts))('%s states its key facts', async (id, expected) => {
    const { all } = await fullAnswer(id);
    for (const fact of expected) {
      if (typeof fact === 'string') expect(all).toContain(fact);
      else expect(all).toMatch(fact);
    }
  });

  it.each(['dvc.account', 'vneid.account', 'vneid.level1', 'vneid.level2', 'vneid.about'])(
    '%s warns never to hand out password, passcode, OTP or an ID-card photo',
    async (id) => {
      const { all } = await fullAnswer(id);
      expect(all).toMatch(/[Kk]hông (bao giờ )?đưa mật khẩu, (mã )?passcode, (mã )?OTP/);
    },
  );

  it('states the thẻ căn cước rules of Luật Căn cước 2023', async () => {
    const { first } = await fullAnswer('proc.id_card');
    expect(first).toContain('thẻ căn cước');
    expect(first).toContain('vẫn có giá trị đến hạn in trên thẻ');
    expect(first).toContain('31/12/2024');
    expect(first).toMatch(/CMND.*hết giá trị từ 1\/1\/2025/);
    expect(first).toContain('không bắt buộc đổi');
  });

  it('gives no other province’s 1022 as an example (Bình Dương no longer exists)', () => {
    for (const answer of knowledge.current.knowledge.answers.values())
      expect(`${answer.summary}${answer.steps.map((s) => s.text).join('')}`).not.toMatch(/0274|Bình Dương/);
  });

  it('never mentions the unverified national portal hotline', () => {
    for (const answer of knowledge.current.knowledge.answers.values())
      expect(`${answer.summary}${answer.steps.map((s) => s.text).join('')}`).not.toMatch(/1800\s?1096/);
  });

  it('contains no phone number except the verified ones and the locality file’s', () => {
    const allowed = new Set(['1900 0368', '1022']);
    const localityValues = [...knowledge.current.knowledge.locality.values()].map((v) => v.value);
    for (const answer of knowledge.current.knowledge.answers.values()) {
      let text = [answer.summary, ...answer.steps.map((s) => s.text)].join('\n');
      // Values from locality.yaml are the commune's to vouch for, not the answer's.
      for (const value of localityValues) text = text.split(value).join('');
      // Procedure codes ("mã 2.000986") and amounts in đồng are not phone numbers.
      text = text.replace(/\b\d\.\d{6}\b/g, '').replace(/\d[\d.]* đồng/g, '');
      // Runs of digits (with spaces or dots) long enough to be a phone number; dates and years excluded.
      const numbers = (text.match(/(?<![\d/])\d[\d .]{2,}\d(?![\d/])/g) ?? [])
        .map((s) => s.trim())
        .filter((s) => s.replace(/\D/g, '').length >= 4 && !/^(19|20)\d\d$/.test(s));
      for (const number of numbers)
        expect({ file: answer.file, number, allowed: allowed.has(number) }).toEqual({
          file: answer.file,
          number,
          allowed: true,
        });
    }
  });

  it('cites official https sources and a review date on every answer', () => {
    for (const answer of knowledge.current.knowledge.answers.values()) {
      expect(answer.sources.length).toBeGreaterThan(0);
      for (const url of answer.sources)
        expect(url).toMatch(/^https:\/\/([a-z0-9-]+\.)*(gov\.vn|chinhphu\.vn|thuvienphapluat\.vn)(\/|$)/);
      expect(answer.reviewed).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });
});
