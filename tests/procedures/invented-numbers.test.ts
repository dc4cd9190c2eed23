import { extractQuantities, findInventedNumbers, parseNumber } from '../../src/procedures/invented-numbers';

const summary = (text: string) =>
  extractQuantities(text).map((q) => ({
    kind: q.kind,
    value: q.value,
    unit: q.unit,
    working: q.working,
    sameDay: q.sameDay,
  }));

describe('#extractQuantities', () => {
  it.each([
    ['Thời hạn giải quyết: 15 ngày làm việc.', 'duration', 15, 'ngày', true],
    ['Trả kết quả sau 05 ngày.', 'duration', 5, 'ngày', false],
    ['Lệ phí 50.000 đồng/lần', 'money', 50_000, 'đồng', false],
    ['khoảng 1,5 triệu', 'money', 1_500_000, 'đồng', false],
    ['phí 8.000đ một trang', 'money', 8_000, 'đồng', false],
    ['hết 50 nghìn', 'money', 50_000, 'đồng', false],
    ['thu 1.500.000 VNĐ', 'money', 1_500_000, 'đồng', false],
    ['trong 02 giờ làm việc', 'duration', 2, 'giờ', true],
    ['tạm vắng quá 3 tháng', 'duration', 3, 'tháng', false],
    ['thẻ có giá trị 10 năm', 'duration', 10, 'năm', false],
    ['chờ hai tuần', 'duration', 2, 'tuần', false],
    ['mất một buổi', 'duration', 1, 'buổi', false],
    ['tối đa một ngày', 'duration', 1, 'ngày', false],
  ])('finds the quantity in %p', (text, kind, value, unit, working) => {
    expect(summary(text)).toEqual([{ kind, value, unit, working, sameDay: false }]);
  });

  it('reads "trong ngày" as the same day', () => {
    expect(summary('Nộp trước 15 giờ thì nhận kết quả trong ngày.')).toEqual([
      { kind: 'duration', value: 15, unit: 'giờ', working: false, sameDay: false },
      { kind: 'duration', value: 0, unit: 'ngày', working: false, sameDay: true },
    ]);
  });

  it('does not read "trong ngày làm việc tiếp theo" as the same day', () => {
    expect(summary('trả kết quả trong ngày làm việc tiếp theo')).toEqual([]);
  });

  it('reads both ends of a range', () => {
    expect(summary('từ 3 đến 5 ngày làm việc').map((q) => q.value)).toEqual([3, 5]);
    expect(summary('20.000 - 50.000 đồng').map((q) => q.value)).toEqual([20_000, 50_000]);
  });

  it('counts a number with thousands separators as an amount even without its unit', () => {
    expect(summary('mức thu 100.000 cho mỗi hồ sơ')).toEqual([
      { kind: 'money', value: 100_000, unit: null, working: false, sameDay: false },
    ]);
  });

  it.each([
    ['a procedure code', 'Mã thủ tục 1.001193, Quyết định 163/QĐ-BTP'],
    ['a full date', 'có hiệu lực từ ngày 01 tháng 7 năm 2025'],
    ['a date cut short by a clipped title', 'Thông tư số 265/TT-BTC ngày 14 tháng …'],
    ['a numeric date', 'CMND hết giá trị từ 01/01/2025'],
    ['a year', 'Luật Cư trú năm 2020'],
    ['an age', 'trẻ em dưới 14 tuổi'],
    ['an article number', 'theo Điều 5 khoản 2 Nghị định 123/2015/NĐ-CP'],
    ['a weekday', 'hẹn thứ hai tuần sau'],
    ['a word that merely starts with đ', 'nộp 2 đơn'],
    [
      'a link',
      'https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.000.000',
    ],
  ])('finds nothing in %s', (_what, text) => {
    expect(extractQuantities(text)).toEqual([]);
  });

  it('keeps the words as written', () => {
    expect(extractQuantities('Thời hạn: 03 ngày làm việc').map((q) => q.raw)).toEqual(['03 ngày làm việc']);
  });
});

describe('#parseNumber', () => {
  it.each([
    ['05', 5],
    ['1,5', 1.5],
    ['50.000', 50_000],
    ['1,500,000', 1_500_000],
    ['mười lăm', 15],
  ])('parses %p', (token, value) => {
    expect(parseNumber(token)).toBe(value);
  });
});

describe('#findInventedNumbers', () => {
  const record = [
    'Cách thức thực hiện: Trực tiếp | 05 ngày làm việc | Không có thông tin',
    'Trường hợp cần xác minh thì thời hạn không quá 10 ngày.',
    'Lệ phí: 8.000 đồng/bản (Thông tư 226/2016/TT-BTC).',
  ];

  it('accepts what the record states, written differently', () => {
    expect(findInventedNumbers('Thời hạn 5 ngày làm việc; lệ phí 8 nghìn đồng mỗi bản.', record)).toEqual([]);
  });

  it('accepts a plain day count the record gives in working days', () => {
    expect(findInventedNumbers('khoảng 5 ngày', record)).toEqual([]);
  });

  it('flags working days the record gives only as calendar days', () => {
    expect(findInventedNumbers('không quá 10 ngày làm việc', record).map((q) => q.raw)).toEqual([
      '10 ngày làm việc',
    ]);
  });

  it('flags every amount and duration the sources do not state', () => {
    const invented = findInventedNumbers(
      'Lệ phí 50.000 đồng, nhận kết quả trong ngày hoặc sau 3 ngày làm việc.',
      record,
    );
    expect(invented.map((q) => q.raw)).toEqual(['50.000 đồng', 'trong ngày', '3 ngày làm việc']);
  });

  it('flags any amount when the sources publish none', () => {
    expect(findInventedNumbers('Phí khoảng 1,5 triệu', ['Phí, lệ phí: Không có thông tin'])).toHaveLength(1);
  });
});
