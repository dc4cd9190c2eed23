/**
 * Every message of `npm run content:check`, in Vietnamese for the commune staff who edit
 * content and in English for developers (`--lang en`, and the server's log). A check makes
 * a `ContentError` with `contentError(…, id, params)`; the report renders it in either
 * language from this one catalogue, so no message is written twice or left untranslated.
 *
 * Schema messages (src/knowledge/schema.ts, src/nlu/intents-schema.ts) are message ids too
 * ("schema.date"), and zod's own issues are translated by their code, so a bad field reads the
 * same whichever rule caught it. It sits at the bottom (core/) because every folder that reads
 * an editor's file reports through it: knowledge/, procedures/ and nlu/ (the intent files).
 */
import { ContentError } from '../errors';

export type Lang = 'vi' | 'en';
export const LANGS: readonly Lang[] = ['vi', 'en'];

/** What a zod issue says, reduced to what the templates need. */
export interface ZodIssueParams {
  code: string;
  /** zod's own English message: the developers' text for issues our schemas do not name. */
  zodMessage: string;
  expected?: string;
  origin?: string;
  minimum?: number;
  maximum?: number;
  format?: string;
  values?: unknown[];
}

type Template<P> = { en: (p: P) => string; vi: (p: P) => string };
const t = <P = Record<string, never>>(en: (p: P) => string, vi: (p: P) => string): Template<P> => ({
  en,
  vi,
});

/** What zod calls a type, as an editor would say it. */
const TYPE_VI: Record<string, string> = {
  string: 'một đoạn chữ',
  number: 'một con số',
  boolean: 'true hoặc false',
  array: 'một danh sách (mỗi mục một dòng bắt đầu bằng "- ")',
  object: 'một nhóm trường (các dòng "tên: giá trị" thụt vào)',
  date: 'một ngày',
};
const typeVi = (type: string | undefined) => TYPE_VI[type ?? ''] ?? `kiểu ${type}`;

const YAML_HINT: Record<string, { en: string; vi: string }> = {
  BLOCK_AS_IMPLICIT_KEY: {
    en: ' (a value that contains ": " must be written in double quotes, e.g. title: "Cư trú: tạm trú")',
    vi: 'giá trị có chứa ": " (dấu hai chấm và khoảng trắng) phải đặt trong dấu ngoặc kép, ví dụ title: "Cư trú: tạm trú"',
  },
  DUPLICATE_KEY: {
    en: ' (each key may appear only once)',
    vi: 'một tên trường xuất hiện hai lần; mỗi trường chỉ được ghi một lần, hãy xóa dòng thừa',
  },
  BAD_INDENT: {
    en: ' (indent with spaces, the same number as the lines above; no tabs)',
    vi: 'thụt đầu dòng sai: dùng khoảng trắng (phím cách), cùng số khoảng trắng như các dòng cùng cấp ở trên, không dùng phím Tab',
  },
  MISSING_CHAR: {
    en: ' (check for a missing or extra quote, bracket or brace on this line)',
    vi: 'dòng này thiếu hoặc thừa một dấu ngoặc kép, ngoặc vuông [ ] hoặc ngoặc nhọn { }: hãy kiểm tra và sửa lại',
  },
};
YAML_HINT.MULTILINE_IMPLICIT_KEY = YAML_HINT.BLOCK_AS_IMPLICIT_KEY!;
YAML_HINT.TAB_AS_INDENT = YAML_HINT.BAD_INDENT!;
YAML_HINT.UNEXPECTED_TOKEN = YAML_HINT.MISSING_CHAR!;

const MESSAGES = {
  // Folders and files
  'dir.notFound': t<{ variable: string }>(
    (p) => `folder not found; check ${p.variable}`,
    (p) => `không tìm thấy thư mục này; kiểm tra lại đường dẫn ${p.variable} trong tệp .env`,
  ),
  'file.missing': t(
    () => 'file is missing',
    () => 'thiếu tệp này; hãy tạo lại (chép bản mẫu từ kho mã của dự án rồi điền thông tin của đơn vị)',
  ),
  'yaml.invalid': t<{ detail: string; code: string }>(
    (p) => `not valid YAML: ${p.detail}${YAML_HINT[p.code]?.en ?? ''}`,
    (p) =>
      `tệp viết sai cú pháp YAML ở dòng này: ${YAML_HINT[p.code]?.vi ?? 'so sánh dòng này với các dòng đúng ở trên (dấu hai chấm, dấu ngoặc kép, thụt đầu dòng) và sửa lại'}`,
  ),

  // Fields (zod)
  'field.unknown': t<{ key: string }>(
    (p) => `unknown field "${p.key}": check its spelling or remove it`,
    (p) => `không có trường nào tên "${p.key}": kiểm tra lại chính tả hoặc xóa dòng này`,
  ),
  'field.missing': t<{ name: string; expected?: string }>(
    (p) => `"${p.name}" is missing; add it (expected ${p.expected})`,
    (p) => `thiếu trường "${p.name}": hãy thêm dòng "${p.name}:" với giá trị là ${typeVi(p.expected)}`,
  ),
  'zod.issue': t<ZodIssueParams>((p) => p.zodMessage, zodIssueVi),

  // Messages our schemas name (src/knowledge/schema.ts)
  'schema.intentId': t(
    () => 'expected an id like proc.id_card (lowercase letters, digits, _ and dots)',
    () => 'mã chủ đề viết sai: chỉ dùng chữ thường không dấu, chữ số, dấu _ và dấu chấm, ví dụ proc.id_card',
  ),
  'schema.phraseEmpty': t(
    () => 'expected a non-empty phrase',
    () => 'câu hỏi mẫu đang để trống: viết câu hỏi sau "- " hoặc xóa dòng này',
  ),
  'schema.phrasesNone': t(
    () => 'expected at least one phrase',
    () => 'cần ít nhất một câu hỏi mẫu dưới phrases:',
  ),
  'schema.expansionEmpty': t(
    () => 'expected the words to expand to',
    () => 'thiếu phần viết đầy đủ của từ viết tắt: ghi các từ mà nó thay cho',
  ),
  'schema.ruleContext': t(
    () => 'expected "previous" or "next" (the words around the abbreviation that select this meaning)',
    () => 'quy tắc cần có "previous" hoặc "next": các từ đứng trước hoặc sau từ viết tắt để chọn nghĩa này',
  ),
  'schema.rulesNone': t(
    () => 'expected at least one rule',
    () => 'cần ít nhất một quy tắc dưới rules:',
  ),
  'schema.labelTooLong': t<{ maximum?: number }>(
    (p) => `expected at most ${p.maximum} characters`,
    (p) => `nhãn nút bấm dài quá: tối đa ${p.maximum} ký tự, hãy viết ngắn lại`,
  ),
  'schema.textTooLong': t<{ maximum?: number }>(
    (p) => `expected at most ${p.maximum} characters`,
    (p) => `đoạn này dài quá: tối đa ${p.maximum} ký tự, hãy viết ngắn lại`,
  ),
  'schema.linkUrl': t(
    () => 'expected a full URL such as https://dichvucong.gov.vn',
    () => 'cần một địa chỉ trang web đầy đủ, bắt đầu bằng https://, ví dụ https://dichvucong.gov.vn',
  ),
  'schema.sourceUrl': t(
    () => 'expected a full URL of the official source',
    () => 'cần địa chỉ đầy đủ (bắt đầu bằng https://) của trang chính thức bạn đã đối chiếu',
  ),
  'schema.sourcesNone': t(
    () => 'expected at least one source URL',
    () => 'cần ít nhất một nguồn: ghi địa chỉ trang chính thức dưới sources:',
  ),
  'schema.date': t(
    () => 'expected a date written YYYY-MM-DD',
    () => 'ngày phải viết theo dạng năm-tháng-ngày, ví dụ 2026-11-25',
  ),
  'schema.legalEmpty': t(
    () => 'expected a document number',
    () => 'ghi số hiệu văn bản, ví dụ Nghị định 118/2025/NĐ-CP, hoặc xóa dòng trống này',
  ),
  'schema.quickRepliesTooMany': t<{ maximum?: number }>(
    (p) => `expected at most ${p.maximum} quick replies`,
    (p) => `quá nhiều nút bấm: tối đa ${p.maximum} mục dưới quick_replies`,
  ),
  'schema.topicsTooMany': t<{ maximum?: number }>(
    (p) => `expected at most ${p.maximum} topics`,
    (p) => `quá nhiều chủ đề: tối đa ${p.maximum} mục dưới main_topics`,
  ),
  'schema.localityKey': t(
    () => 'expected a key of lowercase letters, digits and _',
    () => 'tên khóa chỉ dùng chữ thường không dấu, chữ số và dấu _',
  ),

  // Training phrases (intents/)
  'intent.duplicate': t<{ id: string }>(
    (p) => `intent "${p.id}" is defined twice`,
    (p) => `chủ đề "${p.id}" đã được khai báo ở một tệp khác; xóa một trong hai tệp hoặc đổi mã`,
  ),
  'phrase.twoIntents': t<{ phrase: string; owner: string }>(
    (p) => `"${p.phrase}" is also a phrase of intent "${p.owner}"; keep it under one intent only`,
    (p) =>
      `câu "${p.phrase}" cũng là câu hỏi mẫu của chủ đề "${p.owner}"; mỗi câu chỉ thuộc một chủ đề: xóa nó ở một trong hai tệp`,
  ),
  'phrase.outOfScopeAndIntent': t<{ phrase: string; owner: string }>(
    (p) =>
      `"${p.phrase}" is listed as out of scope but is also a phrase of intent "${p.owner}"; keep it in one place only`,
    (p) =>
      `câu "${p.phrase}" vừa nằm trong danh sách ngoài phạm vi vừa là câu hỏi mẫu của chủ đề "${p.owner}"; chỉ giữ ở một nơi`,
  ),

  // Answers (content/<id>.md)
  'frontMatter.missing': t(
    () => 'expected front matter between two "---" lines at the top',
    () =>
      'thiếu phần thông tin ở đầu tệp: tệp phải bắt đầu bằng một dòng "---", các trường, rồi một dòng "---"',
  ),
  'answer.duplicate': t<{ intent: string }>(
    (p) => `another file already answers "${p.intent}"`,
    (p) =>
      `một tệp khác đã trả lời chủ đề "${p.intent}"; mỗi chủ đề chỉ có một tệp câu trả lời: sửa dòng intent hoặc xóa tệp thừa`,
  ),
  'answer.misnamed': t<{ intent: string; name: string; expected: string }>(
    (p) => `the file answers "${p.intent}" but is named ${p.name}; name it ${p.expected}`,
    (p) => `tệp trả lời chủ đề "${p.intent}" nhưng lại tên là ${p.name}; đổi tên tệp thành ${p.expected}`,
  ),
  'placeholder.unknown': t<{ key: string; localityFile: string }>(
    (p) => `placeholder not found in ${p.localityFile}; add "${p.key}" there or fix the name`,
    (p) =>
      `không có biến "${p.key}" trong ${p.localityFile}; thêm "${p.key}" vào tệp đó hoặc sửa lại tên biến`,
  ),
  'placeholder.unknownInSystem': t<{ key: string; localityFile: string }>(
    (p) => `placeholder {{${p.key}}} not found in ${p.localityFile}`,
    (p) =>
      `không có biến {{${p.key}}} trong ${p.localityFile}; thêm "${p.key}" vào tệp đó hoặc sửa lại tên biến`,
  ),
  'placeholder.malformed': t<{ text: string }>(
    (p) =>
      `malformed placeholder ${p.text}; write it as {{office.address}} (lowercase, dots, two braces on each side)`,
    (p) =>
      `biến thay thế viết sai: ${p.text}; viết theo dạng {{office.address}} (chữ thường, dấu chấm, hai dấu ngoặc nhọn mỗi bên)`,
  ),
  'body.empty': t(
    () => 'expected a short answer text after the front matter',
    () => 'thiếu nội dung trả lời: viết một đoạn ngắn ngay dưới dòng "---" thứ hai',
  ),
  'body.summaryTooLong': t<{ length: number; max: number }>(
    (p) =>
      `the first message has ${p.length} characters; keep it at most ${p.max} and move details into "## " sections`,
    (p) =>
      `tin nhắn đầu tiên dài ${p.length} ký tự; rút gọn còn tối đa ${p.max} ký tự và chuyển phần chi tiết xuống các mục "## "`,
  ),
  'step.empty': t(
    () => 'expected a section title after "## " and text under it',
    () => 'mục này cần một tiêu đề sau "## " và nội dung ở các dòng bên dưới',
  ),
  'step.tooLong': t<{ step: number; length: number; max: number }>(
    (p) =>
      `step ${p.step} makes a message of ${p.length} characters; Zalo and Messenger accept at most ${p.max}: split it into two "## " sections`,
    (p) =>
      `bước ${p.step} thành một tin nhắn dài ${p.length} ký tự; Zalo và Messenger chỉ nhận tối đa ${p.max}: tách thành hai mục "## "`,
  ),
  'buttons.tooMany': t<{ max: number; guide: number; found: number }>(
    (p) =>
      `Zalo shows at most ${p.max} buttons under a message; ${
        p.guide ? `with the ${p.guide} guide buttons keep` : 'keep'
      } at most ${p.max - p.guide} quick replies (found ${p.found})`,
    (p) =>
      `Zalo chỉ hiện tối đa ${p.max} nút dưới một tin nhắn; ${
        p.guide ? `câu trả lời có các bước đã tự thêm ${p.guide} nút, nên chỉ giữ` : 'chỉ giữ'
      } tối đa ${p.max - p.guide} mục dưới quick_replies (đang có ${p.found})`,
  ),
  'reviewed.future': t<{ date: string }>(
    (p) => `the review date ${p.date} is in the future; write the day the answer was checked (YYYY-MM-DD)`,
    (p) => `ngày kiểm tra ${p.date} nằm ở tương lai; ghi ngày bạn đã kiểm tra câu trả lời (năm-tháng-ngày)`,
  ),

  // Cross-file rules
  'intent.unknown': t<{ intent: string; suggestion?: string }>(
    (p) => `unknown intent "${p.intent}"`,
    (p) =>
      `không có chủ đề nào mang mã "${p.intent}"${p.suggestion ? ` (có phải "${p.suggestion}"?)` : ''}; ` +
      'sửa thành mã của một tệp trong thư mục intents/',
  ),
  'intent.noAnswer': t<{ id: string; file: string }>(
    (p) => `intent "${p.id}" has no answer; add ${p.file}`,
    (p) => `chủ đề "${p.id}" chưa có câu trả lời; tạo tệp ${p.file}`,
  ),
  'answer.noIntent': t<{ intent: string; dir: string }>(
    (p) => `no intent "${p.intent}" in ${p.dir}/; add its training phrases there`,
    (p) =>
      `chưa có chủ đề "${p.intent}" trong thư mục ${p.dir}/; thêm tệp ${p.intent}.yaml với các câu hỏi mẫu vào đó`,
  ),

  // Procedure files (content/procedures/<code>.md) and the agencies of locality.yaml
  'procedure.misnamed': t<{ code: string; name: string }>(
    (p) => `the file is about ${p.code} but is named ${p.name}; name it ${p.code}.md`,
    (p) => `tệp nói về thủ tục ${p.code} nhưng lại tên là ${p.name}; đổi tên tệp thành ${p.code}.md`,
  ),
  'procedure.duplicate': t<{ code: string }>(
    (p) => `another file already describes ${p.code}`,
    (p) => `một tệp khác đã viết về thủ tục ${p.code}; mỗi thủ tục chỉ có một tệp: gộp hai tệp làm một`,
  ),
  'procedure.unknownCode': t<{ code: string }>(
    (p) => `no procedure ${p.code} in the catalogue (data/procedures); check the code on dichvucong.gov.vn`,
    (p) =>
      `không có thủ tục mã ${p.code} trong danh mục (data/procedures); tra lại mã số trên dichvucong.gov.vn`,
  ),
  'procedure.titleTooLong': t<{ max: number; length: number }>(
    (p) => `expected at most ${p.max} characters (found ${p.length})`,
    (p) => `tên thủ tục dài ${p.length} ký tự; rút gọn còn tối đa ${p.max} ký tự`,
  ),
  'procedure.summaryTooLong': t<{ max: number; length: number }>(
    (p) => `the summary has ${p.length} characters; keep it at most ${p.max}`,
    (p) => `phần tóm tắt dài ${p.length} ký tự; rút gọn còn tối đa ${p.max} ký tự`,
  ),
  'procedure.aliasEmpty': t(
    () => 'expected words (letters or digits)',
    () => 'tên gọi khác phải có chữ hoặc số: viết tên mà người dân hay dùng, hoặc xóa dòng này',
  ),
  'procedure.aliasShared': t<{ field: string; alias: string; code: string; file: string }>(
    (p) =>
      `${p.field}: "${p.alias}" is also an alias of ${p.code} (${p.file}); the bot will ask which one is meant`,
    (p) =>
      `${p.field}: "${p.alias}" cũng là tên gọi khác của thủ tục ${p.code} (${p.file}); trợ lý sẽ hỏi lại người dân muốn thủ tục nào`,
  ),
  'procedure.reviewedFuture': t<{ date: string }>(
    (p) => `${p.date} is in the future; write the day you checked`,
    (p) => `ngày ${p.date} nằm ở tương lai; ghi ngày bạn đã kiểm tra (năm-tháng-ngày)`,
  ),
  'procedure.summary': t<{ files: number; hidden: number; agencies: number }>(
    (p) => `${p.files} procedure files (${p.hidden} hidden), ${p.agencies} agencies`,
    (p) => `${p.files} tệp thủ tục (${p.hidden} tệp ẩn), ${p.agencies} cơ quan`,
  ),
  'agency.badKey': t(
    () => 'expected agencies.<id>.kind, .at, .name or .address',
    () => 'mỗi cơ quan viết theo dạng agencies.<mã>.kind, .at, .name hoặc .address',
  ),
  'agency.unknownField': t<{ field: string }>(
    (p) => `unknown field "${p.field}": use kind, at, name, address or hours`,
    (p) => `không có trường "${p.field}": chỉ dùng kind, at, name, address hoặc hours`,
  ),
  'agency.kindMissing': t(
    () => 'expected kind: how the national records name this agency, e.g. "Ủy ban nhân dân cấp xã"',
    () =>
      'thiếu dòng kind: tên loại cơ quan như trong hồ sơ thủ tục quốc gia, ví dụ "Ủy ban nhân dân cấp xã"',
  ),
  'agency.kindShared': t<{ kind: string; other: string }>(
    (p) => `"${p.kind}" is also a kind of agencies.${p.other}; each kind belongs to one agency`,
    (p) => `loại "${p.kind}" đã thuộc về agencies.${p.other}; mỗi loại chỉ thuộc một cơ quan: xóa ở một nơi`,
  ),
  'agency.groupWithoutName': t<{ at: string }>(
    (p) => `no "${p.at}.name" in the locality file; write the name of a group such as office or police`,
    (p) => `không có "${p.at}.name" trong locality.yaml; ghi tên của nhóm đó (ví dụ office hoặc police)`,
  ),
  'agency.whereMissing': t(
    () => 'expected at (a locality group such as office) or name (the agency as citizens find it)',
    () =>
      'cần dòng at (một nhóm trong locality.yaml, ví dụ office) hoặc name (tên cơ quan như người dân tìm)',
  ),
  'agency.kindNotFound': t<{ kind: string }>(
    (p) => `no agency of kind "${p.kind}": answers naming it cannot say where it is for this commune`,
    (p) =>
      `chưa có cơ quan loại "${p.kind}": các câu trả lời nhắc đến cơ quan này sẽ không nói được địa chỉ ở xã/phường của bạn; thêm nó dưới agencies`,
  ),

  // Warnings
  'locality.needsReview': t<{ key: string; note?: string }>(
    (p) => `${p.key} needs review${p.note ? `: ${p.note}` : ''}`,
    (p) =>
      `giá trị ${p.key} cần kiểm tra lại${p.note ? ` (${p.note})` : ''}; ` +
      'đối chiếu xong với nguồn chính thức thì chỉ ghi giá trị trong dấu ngoặc kép',
  ),
  'reviewed.old': t<{ date: string; days: number }>(
    (p) => `reviewed ${p.date}, more than ${p.days} days ago: check the facts again and update the date`,
    (p) =>
      `kiểm tra lần cuối ngày ${p.date}, đã hơn ${p.days} ngày: kiểm tra lại thông tin rồi cập nhật dòng reviewed`,
  ),
  'buttons.noRoomForFeedback': t<{ max: number; guide: number; found: number; feedback: number }>(
    (p) =>
      `no room on Zalo (${p.max} buttons) for the ${p.feedback} feedback buttons after ${p.found} quick replies${
        p.guide ? ` and ${p.guide} guide buttons` : ''
      }: the bot will not ask there whether this answer helped; keep at most ${Math.max(0, p.max - p.guide - p.feedback)} quick replies to hear from citizens`,
    (p) =>
      `trên Zalo (tối đa ${p.max} nút) không còn chỗ cho ${p.feedback} nút đánh giá 👍/👎 sau ${p.found} mục quick_replies${
        p.guide ? ` và ${p.guide} nút xem các bước` : ''
      }: ở đó trợ lý sẽ không hỏi câu trả lời này có hữu ích không; muốn nhận đánh giá thì chỉ giữ tối đa ${Math.max(0, p.max - p.guide - p.feedback)} mục quick_replies`,
  ),
  'answer.needsReview': t(
    () => 'needs_review: true (contains facts still to be verified)',
    () => 'needs_review: true (còn thông tin chưa kiểm tra): kiểm tra xong thì xóa dòng này',
  ),
} satisfies Record<string, Template<never>>;

export type MessageId = keyof typeof MESSAGES;
export type MessageParams<K extends MessageId> = Parameters<(typeof MESSAGES)[K]['en']>[0];

/** A message id with its values, kept on a `ContentError` so it can be shown in either language. */
export interface MessageRef {
  id: string;
  params: Record<string, unknown>;
}

export function isMessageId(id: string): id is MessageId {
  return Object.hasOwn(MESSAGES, id);
}

export function renderMessage(ref: MessageRef, lang: Lang): string | undefined {
  if (!isMessageId(ref.id)) return undefined;
  const template = MESSAGES[ref.id] as Template<Record<string, unknown>>;
  return template[lang](ref.params);
}

/** A content problem whose text comes from the catalogue (English in `problem`, for logs). */
export function contentError<K extends MessageId>(
  file: string,
  line: number | undefined,
  field: string | undefined,
  id: K,
  ...[params, options]: MessageParams<K> extends Record<string, never>
    ? [params?: MessageParams<K>, options?: { cause?: unknown }]
    : [params: MessageParams<K>, options?: { cause?: unknown }]
): ContentError {
  const detail: MessageRef = { id, params: (params ?? {}) as Record<string, unknown> };
  return new ContentError(file, line, field, renderMessage(detail, 'en')!, { ...options, detail });
}

/** A warning for editors, with its message id. */
export interface ContentWarning {
  file: string;
  line?: number;
  /** English, as in the server's log. */
  message: string;
  /** The catalogue message; a warning without one is shown in English in every language. */
  detail?: MessageRef;
}

export function contentWarning<K extends MessageId>(
  file: string,
  line: number | undefined,
  id: K,
  ...[params]: MessageParams<K> extends Record<string, never>
    ? [params?: MessageParams<K>]
    : [params: MessageParams<K>]
): ContentWarning {
  const detail: MessageRef = { id, params: (params ?? {}) as Record<string, unknown> };
  return { file, line, message: renderMessage(detail, 'en')!, detail };
}

function zodIssueVi(p: ZodIssueParams): string {
  const isText = p.origin === 'string';
  switch (p.code) {
    case 'invalid_type':
      return `giá trị phải là ${typeVi(p.expected)}`;
    case 'too_small':
      if (isText)
        return p.minimum === 1 ? 'không được để trống: hãy viết nội dung' : `cần ít nhất ${p.minimum} ký tự`;
      return `cần ít nhất ${p.minimum} mục`;
    case 'too_big':
      return isText ? `dài quá: tối đa ${p.maximum} ký tự` : `quá nhiều: tối đa ${p.maximum} mục`;
    case 'invalid_format':
      if (p.format === 'url') return 'cần một địa chỉ trang web đầy đủ, bắt đầu bằng https://';
      if (p.format === 'date') return 'ngày phải viết theo dạng năm-tháng-ngày, ví dụ 2026-11-25';
      return 'giá trị viết không đúng dạng';
    case 'invalid_value':
      return `giá trị không được chấp nhận; chỉ dùng một trong: ${(p.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'giá trị không đúng dạng: so sánh với các mục đúng ở gần đó trong cùng tệp';
    default:
      return 'giá trị không hợp lệ: so sánh với các mục đúng ở gần đó trong cùng tệp';
  }
}

/**
 * A field path as an editor reads it: "quick_replies.0.intent" → "quick_replies số 1 › intent"
 * (counting from 1); the body, a "## " section and a {{placeholder}} are named as such.
 */
export function fieldLabel(field: string, lang: Lang): string {
  if (lang === 'en') return field;
  if (field === 'body') return 'phần nội dung';
  if (field.startsWith('## ')) return `mục "${field}"`;
  if (field.startsWith('{{')) return `biến ${field}`;
  const parts: string[] = [];
  for (const segment of field.split('.'))
    if (/^\d+$/.test(segment) && parts.length > 0) parts[parts.length - 1] += ` số ${Number(segment) + 1}`;
    else parts.push(segment);
  return `trường ${parts.join(' › ')}`;
}

/** One error or warning as a report line after its tag: where (file:line, field), then the message. */
export function formatProblem(
  problem: { file: string; line?: number; field?: string; text: string },
  lang: Lang,
): string {
  const where = `${problem.file}${problem.line ? `:${problem.line}` : ''}`;
  if (lang === 'en') return `${where}${problem.field ? ` (${problem.field})` : ''}: ${problem.text}`;
  return `${where}${problem.field ? ` (${fieldLabel(problem.field, lang)})` : ''}: ${problem.text}`;
}
