/**
 * Facets: the part of a procedure a message asks about (its documents, time, fee, place…),
 * detected from the folded, normalised words of the message.
 */

export const FACETS = [
  'documents',
  'time',
  'fee',
  'place',
  'online',
  'steps',
  'requirements',
  'legal',
  'forms',
  'result',
] as const;
export type Facet = (typeof FACETS)[number];

export function isFacet(value: string): value is Facet {
  return (FACETS as readonly string[]).includes(value);
}

/** Button labels (at most 20 characters: Messenger's limit) and the heading of each answer part. */
export const FACET_LABELS: Record<Facet, { button: string; heading: string; ask: string }> = {
  documents: { button: 'Giấy tờ cần nộp', heading: 'Hồ sơ cần chuẩn bị', ask: 'giấy tờ cần nộp' },
  time: { button: 'Thời gian giải quyết', heading: 'Thời hạn giải quyết', ask: 'thời gian giải quyết' },
  fee: { button: 'Phí, lệ phí', heading: 'Phí, lệ phí', ask: 'phí, lệ phí' },
  place: { button: 'Nộp ở đâu', heading: 'Nơi nộp hồ sơ', ask: 'nộp ở đâu' },
  online: { button: 'Nộp trực tuyến', heading: 'Nộp trực tuyến', ask: 'nộp trực tuyến' },
  steps: { button: 'Các bước', heading: 'Trình tự thực hiện', ask: 'các bước' },
  requirements: { button: 'Điều kiện', heading: 'Yêu cầu, điều kiện', ask: 'điều kiện' },
  legal: { button: 'Căn cứ pháp lý', heading: 'Căn cứ pháp lý', ask: 'căn cứ pháp lý' },
  forms: { button: 'Mẫu tờ khai', heading: 'Mẫu đơn, tờ khai', ask: 'mẫu tờ khai' },
  result: { button: 'Kết quả nhận được', heading: 'Kết quả', ask: 'kết quả nhận được' },
};

/**
 * Folded phrases (whole words) that ask for each facet, as citizens write them. Matched on
 * the normalised message, so "bn tiền", "bao nhiu" and "mấy ngày" arrive here already folded
 * and expanded.
 */
/**
 * "có cần sổ hộ khẩu không" asks for a document; "có cần giấy phép xây dựng không" whether
 * the procedure is required at all. Both facets are answered.
 */
const NEEDS_PAPER =
  'co can (mang |nop |co |phai co )?(so|giay|ban|the|can cuoc|anh|hop dong|chung minh|ho khau)';

const CUES: Record<Facet, string[]> = {
  documents: [
    // "giấy tờ gì", "những giấy tờ"; not "đăng ký lại giấy tờ hộ tịch", which names papers.
    '(can|mang|nop|nhung|chuan bi|cac|loai|phai co|bo|may|ho so) giay to',
    'giay to (gi|nao|can|gom|the|ra sao|nhu|chi|ca nhan gi)',
    'can gi',
    'can nhung gi',
    'can nhung',
    'mang gi',
    'mang theo',
    'mang nhung',
    'chuan bi',
    'thanh phan',
    'can mang',
    'nop gi',
    'nop nhung gi',
    'giay to gi',
    'can co gi',
    'phai co gi',
    'can giay to',
    'can giay gi',
    'gom nhung',
    'gom gi',
    'bao gom',
    'can nhung giay',
    'can chuan bi',
    'can co nhung',
    'dem theo',
    'dem gi',
    'phai dem',
    'phai mang',
    // Central speech: "cần chi", "mang chi".
    'can chi',
    'mang chi',
    'giay chi',
    NEEDS_PAPER,
    'mang (can cuoc|the|so|giay|ban chinh|ban sao)',
    'nop kem',
    'kem theo',
  ],
  time: [
    'bao lau',
    'may ngay',
    'bao nhieu ngay',
    'thoi gian',
    'thoi han',
    'khi nao co',
    'khi nao lay',
    'lau khong',
    'mat bao lau',
    'bao gio co',
    'bao gio lay',
    'bao gio xong',
    'lau ko',
    'may hom',
    'nhanh khong',
    'mat may',
    'bao lau thi',
    'lau the',
    'ngay nao lay',
    'khi nao xong',
    'bao nhieu lau',
    'may tuan',
    'lau qua',
    'may bua',
    'bao nhieu bua',
    'thoi gian giai quyet',
    'thoi han giai quyet',
    // "lấy trong ngày được không", "có lấy liền không".
    'trong ngay',
    'lay ngay',
    'lay lien',
    'lay luon',
    'co lien',
    'co ngay',
  ],
  fee: [
    'phi',
    'le phi',
    'bao nhieu tien',
    'het bao nhieu',
    'mat tien',
    'dong tien',
    'ton bao nhieu',
    'ton tien',
    'tien',
    'mien phi',
    'chi phi',
    'gia bao nhieu',
    'nop tien',
    'tra tien',
    'het tien',
    'mat bao nhieu tien',
    'ton phi',
    'thu phi',
    'co mat phi',
    'may tien',
    'nhieu tien',
    // "phải đóng bao nhiêu", "mất bao nhiêu" (not "mất bao nhiêu ngày": that is the time).
    '(dong|mat|tra|nop|ton) bao nhieu(?! (ngay|lau|thoi gian|tuan|thang|buoi|bua|hom|gio))',
    'ton kem',
  ],
  place: [
    'o dau',
    'noi nao',
    'cho nao',
    'nop o dau',
    'di dau',
    'co quan nao',
    'den dau',
    'dia chi',
    'lam o dau',
    'o cho nao',
    'phong nao',
    'ai giai quyet',
    'ai cap',
    'noi nop',
    'dau lam',
    'o dau lam',
    'xa hay',
    'len dau',
    'ra dau',
    'toi dau',
    'co quan',
    'tai dau',
    'o xa',
    'tai xa',
    'o phuong',
    'tai phuong',
    'uy ban nhan dan',
    'cong an xa',
    'cong an phuong',
    // Central speech: "ở mô rứa", "chỗ mô".
    'o mo',
    'cho mo',
    'noi mo',
    'mot cua',
    'nop tai',
    'trung tam phuc vu',
    'hanh chinh cong',
  ],
  online: [
    'online',
    'truc tuyen',
    'qua mang',
    'tren mang',
    'dich vu cong',
    'vneid',
    'qua app',
    'tren app',
    'internet',
    'nop mang',
    'lam mang',
    'khong can den',
    'khong phai den',
    'khong can di',
    'qua dien thoai',
    'cong dich vu',
    'buu dien',
    'buu chinh',
    // "làm trên điện thoại được không", "không cần ra công an", "ngồi nhà làm được không".
    '(tren|bang|qua) (dien thoai|may tinh|dt)',
    'khong (can|phai) (ra|len|toi|xuong)',
    'ngoi nha',
    'o nha lam',
  ],
  steps: [
    'cac buoc',
    'trinh tu',
    'quy trinh',
    'huong dan',
    'bat dau',
    'buoc nao',
    'tien hanh',
    'cach lam',
    'phai lam gi',
    'can lam gi',
    'lam the nao',
    'lam sao',
    'lam nhu nao',
    'lam rang',
  ],
  requirements: [
    'dieu kien',
    'ai duoc',
    'yeu cau',
    'du dieu kien',
    'tieu chuan',
    'truong hop nao',
    'doi tuong',
    'bat buoc',
    'ai phai',
    'ai di lam',
    'ai lam',
    'nguoi nao',
    NEEDS_PAPER,
    // "bao nhiêu tuổi thì được hưởng", "đủ tuổi chưa".
    'bao nhieu tuoi',
    'may tuoi',
    'du tuoi',
    'ai duoc huong',
  ],
  legal: [
    'can cu',
    'luat',
    'nghi dinh',
    'thong tu',
    'van ban',
    'quy dinh nao',
    'phap ly',
    'theo quy dinh',
    'dieu may',
    'quyet dinh so',
  ],
  forms: [
    'to khai',
    'mau don',
    'bieu mau',
    'mau to khai',
    'don xin',
    'tai mau',
    'mau so',
    'file mau',
    'mau gi',
    'mau nao',
    'dien mau',
    'viet don',
    'lam don',
    'mau',
  ],
  result: [
    'ket qua',
    'nhan duoc gi',
    'duoc cap gi',
    'tra ket qua',
    'nhan lai',
    'duoc nhan',
    'nhan gi',
    'cap cho gi',
    'duoc gi',
    // "nhận được giấy gì", "được cấp cái gì", "xong thì cầm về cái gì".
    '(nhan|cap|duoc|cam ve|lay ve|mang ve)( duoc| lai| ve| cho)? (cai|giay|thu|nhung giay) gi',
    'cam ve',
    'nhan ve',
  ],
};

/** Cues that ask only when nothing more precise is asked ("làm online được không" is online). */
const WEAK_CUES: Partial<Record<Facet, string[]>> = {
  documents: ['ho so', 'giay to'],
  // "làm tại nhà được không" is online; "mở tiệm tại nhà" is not a question about it.
  online: ['tai nha'],
  steps: ['the nao', 'nhu the nao', 'ra sao', 'nhu nao', 'lam gi', 'thu tuc the nao'],
  requirements: [
    'co duoc khong',
    'duoc khong',
    'co duoc',
    'duoc ko',
    'dc khong',
    // "có phải khai báo tạm vắng không", "có cần xin phép không": whether it is required.
    'co phai',
    'co can',
    'xin phep',
    'phai khong',
  ],
};

const pattern = (cues: string[]) => new RegExp(`(?:^| )(?:${cues.join('|')})(?= |$)`);
const STRONG: [Facet, RegExp][] = FACETS.map((f) => [f, pattern(CUES[f])]);
const STRONG_DOCUMENTS = pattern(CUES.documents);
const WEAK: [Facet, RegExp][] = FACETS.filter((f) => WEAK_CUES[f]).map((f) => [f, pattern(WEAK_CUES[f]!)]);

// "chưa bao giờ có giấy khai sinh" (never had one) does not ask "bao giờ có" (when).
const clean = (folded: string) =>
  folded
    .replace(/\s+/g, ' ')
    .replace(/\b(chua|khong|chang) bao gio\b/g, '$1 tung')
    .trim();

/**
 * The facets a message asks for, in the order of FACETS; [] for "tell me about it".
 * `clauses`: the message's clauses (split at its punctuation), when it has several: a weak
 * cue counts in a clause that has no precise one ("khách ở nhờ mấy hôm, có cần thông báo
 * lưu trú không" asks whether it is required, whatever "mấy hôm" seems to ask).
 */
export function detectFacets(folded: string, clauses: readonly string[] = []): Facet[] {
  const text = clean(folded);
  const strongIn = (t: string) => STRONG.filter(([, p]) => p.test(t)).map(([facet]) => facet);
  const weakIn = (t: string) => WEAK.filter(([, p]) => p.test(t)).map(([facet]) => facet);
  let found = strongIn(text);
  if (found.length === 0) found = weakIn(text);
  else
    for (const clause of clauses.map(clean)) if (strongIn(clause).length === 0) found.push(...weakIn(clause));
  // "nộp online ở đâu": the place is the portal.
  if (found.includes('online') && found.includes('place') && /\b(online|truc tuyen)\b.*\bo dau\b/.test(text))
    found = found.filter((f) => f !== 'place');
  return FACETS.filter((f) => found.includes(f));
}

/**
 * Whether the message asks something, not only names papers: "hồ sơ", "giấy tờ" alone are
 * also words of a name ("đăng ký lại giấy tờ hộ tịch"); every other cue is a question.
 */
export function asksQuestion(folded: string): boolean {
  const text = clean(folded);
  return [...STRONG, ...WEAK].some(([facet, p]) => (facet === 'documents' ? STRONG_DOCUMENTS : p).test(text));
}

const ALL_CUES = new RegExp(
  `(?:^| )(?:${[...Object.values(CUES), ...Object.values(WEAK_CUES)]
    .flat()
    .sort((a, b) => b.length - a.length)
    .join('|')})(?= |$)`,
  'g',
);

/** The message without the phrases that ask for a facet: what is left names the procedure. */
export function withoutFacetCues(folded: string): string {
  return folded.replace(ALL_CUES, ' ').replace(/\s+/g, ' ').trim();
}
