/**
 * Personal data the way citizens really type it (issue #13, findings 5 and 6): phones with
 * commas, slashes, spaced dashes, zero-width characters or full-width digits; names after
 * "tôi tên…"; house addresses; licence plates; passports; bank accounts; dates of birth;
 * e-mails written "an.nguyen @ gmail.com" or "(at)". Each is redacted before it is stored,
 * in the stored text and in the stored normalised (folded) text alike.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import YAML from 'yaml';
import { redact } from '../../src/store/redact';
import { buildTestApp } from '../support/app';
import { selectRows } from '../support/rows';

const PHONE = '[số điện thoại]';
const NAME = '[tên]';
const ADDRESS = '[địa chỉ]';
const PLATE = '[biển số xe]';
const DOCUMENT = '[số giấy tờ]';
const ACCOUNT = '[số tài khoản]';
const BIRTH = '[ngày sinh]';
const EMAIL = '[email]';

describe('redact: phone numbers with the separators people type (finding 5)', () => {
  it.each([
    ['sđt 0912,345,678 nhé', `sđt ${PHONE} nhé`],
    ['sđt 0912/345/678', `sđt ${PHONE}`],
    ['sđt 0912 - 345 - 678', `sđt ${PHONE}`],
    ['sđt 0912 – 345 – 678', `sđt ${PHONE}`],
    ['sđt 0912_345_678', `sđt ${PHONE}`],
    ['sđt 09 12 34 56 78', `sđt ${PHONE}`],
    ['sđt 0912\u200b345\u200b678', `sđt ${PHONE}`],
    ['sđt 0\u200c9\u200d1\u20602\ufeff345678', `sđt ${PHONE}`],
    ['sđt ０９１２３４５６７８', `sđt ${PHONE}`],
    ['sđt ０９１２ ３４５ ６７８', `sđt ${PHONE}`],
    ['cccd ００１２３４５６７８９０', `cccd ${DOCUMENT}`],
  ])('%j', (input, output) => {
    expect(redact(input)).toBe(output);
  });
});

describe('redact: names, addresses, plates, passports, accounts, birth dates, e-mails (finding 6)', () => {
  it.each([
    // Names after "tôi tên / em tên / tên tôi là", with or without diacritics and capitals.
    ['tôi tên Nguyễn Văn An muốn làm căn cước', `tôi tên ${NAME} muốn làm căn cước`],
    ['em tên là Trần Thị Bích, hỏi về hộ khẩu', `em tên là ${NAME}, hỏi về hộ khẩu`],
    ['Tên tôi là Lê Minh', `Tên tôi là ${NAME}`],
    ['tên em là hoàng thị mai cần hỏi', `tên em là ${NAME} cần hỏi`],
    ['toi ten nguyen van an can lam cccd', `toi ten ${NAME} can lam cccd`],
    ['Tôi là Phạm Thị Hoa, ở phường 5', `Tôi là ${NAME}, ở phường 5`],
    ['họ tên: Nguyễn Văn An', `họ tên: ${NAME}`],
    ['họ và tên Đỗ Quang Huy', `họ và tên ${NAME}`],
    // Addresses with a house number.
    ['nhà tôi ở số 15 đường Lê Lợi, phường Bến Nghé', `nhà tôi ở ${ADDRESS}, phường Bến Nghé`],
    ['số nhà 12 ngõ 34 phố Huế', ADDRESS],
    ['nhà 45/3 hẻm 12 Nguyễn Trãi quận 5', `nhà ${ADDRESS} quận 5`],
    ['địa chỉ: thôn Đông, xã Yên Sở', `địa chỉ: ${ADDRESS}`],
    ['ngách 7/21 Trần Duy Hưng', ADDRESS],
    // Licence plates.
    ['xe biển 29A-123.45 bị phạt', `xe biển ${PLATE} bị phạt`],
    ['biển số 51F1-234.56', `biển số ${PLATE}`],
    ['xe máy 59-X2 123.45', `xe máy ${PLATE}`],
    ['biển 30e 12345', `biển ${PLATE}`],
    // Passports.
    ['hộ chiếu C1234567 hết hạn', `hộ chiếu ${DOCUMENT} hết hạn`],
    ['passport số n1234567', `passport số ${DOCUMENT}`],
    // Bank accounts, even shorter than an ID number.
    ['stk 12345678 vietcombank', `stk ${ACCOUNT} vietcombank`],
    ['số tài khoản: 0071 0001 23456', `số tài khoản: ${ACCOUNT}`],
    ['chuyển vào tk 19034567891011 techcombank', `chuyển vào tk ${ACCOUNT} techcombank`],
    // Dates of birth.
    ['sinh ngày 01/07/1990', `sinh ngày ${BIRTH}`],
    ['ngày sinh: 1-7-1990', `ngày sinh: ${BIRTH}`],
    ['ns 01.07.90', `ns ${BIRTH}`],
    ['con tôi sinh năm 2019', `con tôi sinh năm ${BIRTH}`],
    ['sinh ngày 5 tháng 3 năm 1990', `sinh ngày ${BIRTH}`],
    // E-mails written around spam filters.
    ['mail an.nguyen @ gmail.com nhé', `mail ${EMAIL} nhé`],
    ['an.nguyen(at)gmail.com', EMAIL],
    ['an.nguyen [at] gmail [dot] com', EMAIL],
    ['an.nguyen at gmail dot com', EMAIL],
    ['an.nguyen＠gmail．com', EMAIL],
  ])('%j', (input, output) => {
    expect(redact(input)).toBe(output);
  });

  it.each([
    'gọi 1022',
    'năm 2026',
    'ngày 01/07/2025',
    'lệ phí 50.000 đồng',
    'mẫu CT01',
    'phường 12 quận 3',
    'tôi là người dân phường 5',
    'tên thủ tục là gì',
    'đổi tên trong giấy khai sinh',
    'đường dây nóng',
    'hồ sơ đăng ký thường trú ở đường nào',
    'Nghị định 104/2022/NĐ-CP',
    'sinh con thứ 3 có bị phạt không',
    'tài khoản định danh mức 2',
    'thành phố Hồ Chí Minh',
    'meet at home',
  ])('keeps "%s"', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe('the log stores the redacted text and a normalised text that agrees with it', () => {
  const { app, db } = buildTestApp();
  afterAll(() => db.close());

  it('leaves none of the personal data in the text, payload or normalised columns', async () => {
    const messages = [
      'sđt ０９１２３４５６７８ gọi lại giúp',
      'sđt 0912\u200b345\u200b678',
      'tôi tên Nguyễn Văn An, sinh ngày 01/07/1990',
      'hộ chiếu C1234567 xe biển 29A-123.45',
      'mail an.nguyen @ gmail.com stk 12345678',
      'nhà tôi ở số 15 đường Lê Lợi',
    ];
    for (const text of messages)
      await request(app).post('/api/chat').send({ userId: 'redact-1', text }).expect(200);
    await request(app).post('/api/chat').send({ userId: 'redact-1', payload: 'x 0912,345,678' }).expect(200);

    const rows = (await selectRows(
      db,
      "SELECT text, payload, normalised FROM interactions WHERE user_key IS NOT NULL AND channel = 'web'",
    )) as Record<string, string | null>[];
    expect(rows.length).toBe(messages.length + 1);
    const stored = rows
      .flatMap((r) => [r.text, r.payload, r.normalised])
      .filter((v): v is string => v !== null);
    const leaks = stored.filter((v) =>
      /912\D{0,3}345\D{0,3}678|nguyen van an|nguyễn văn an|1990|1234567|29a|123\.?45|gmail|an\.nguyen|12345678|le loi|lê lợi/i.test(
        v.normalize('NFKC').replace(/[\u200b-\u200d\u2060\ufeff]/g, ''),
      ),
    );
    expect(leaks).toEqual([]);
  });
});

describe('the privacy notice says what is kept', () => {
  const notice: string = YAML.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', 'content', 'system.yaml'), 'utf8'),
  ).privacy.notice;

  it('names every kind of data redaction removes', () => {
    for (const kind of [
      'căn cước',
      'hộ chiếu',
      'số điện thoại',
      'email',
      'số tài khoản',
      'biển số xe',
      'ngày sinh',
      'tôi tên',
      'địa chỉ có số nhà',
    ])
      expect({ kind, named: notice.includes(kind) }).toEqual({ kind, named: true });
  });

  it('no longer promises that names are not kept, and says the platform id is', () => {
    expect(notice).not.toMatch(/không lưu tên/);
    expect(notice).toMatch(/có thể vẫn được lưu/);
    expect(notice).toMatch(/mã tài khoản Zalo\/Messenger\/Telegram/);
  });
});
