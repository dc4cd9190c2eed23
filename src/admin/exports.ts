/**
 * The dashboard's downloads, in Vietnamese for the officers who open them: the reach report
 * as CSV and as .xlsx (one sheet per channel plus a total, numbers as numeric cells), and
 * the unanswered questions as CSV. The command line keeps its stable English codes
 * (src/store/reports.ts) for scripts.
 */
import { toCsv, type ReachReport, type UnansweredGroup } from '../store/reports';
import { TOPIC_NAMES, CHANNEL_NAMES } from './views';
import { xlsx, type Cell, type Sheet } from './xlsx';

const HEADER: Cell[] = ['Chỉ số', 'Giá trị'];

/** A rate as a percentage number with one decimal; null when there is nothing to divide. */
const percent = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 10);

/** The report's rows: label, value (numbers stay numbers; "chưa có dữ liệu" for no data). */
export function reportRows(r: ReachReport, titleOf: (id: string) => string): Cell[][] {
  const noData = 'chưa có dữ liệu';
  const questions = r.answered + r.fallbacks;
  const rows: Cell[][] = [
    ['Từ ngày', r.range.from],
    ['Đến ngày', r.range.to],
    ['Kênh', r.channel ? (CHANNEL_NAMES[r.channel] ?? r.channel) : 'Tất cả'],
    ['Người dân tiếp cận', r.uniqueCitizens],
    ['Người mới', r.newCitizens],
    ['Người quay lại', r.returningCitizens],
    ['Cuộc trò chuyện', r.conversations],
    ['Tin nhắn đến', r.messagesIn],
    ['Tin nhắn đi', r.messagesOut],
    ['Câu hỏi được trả lời', r.answered],
    ['Câu hỏi chưa trả lời được', r.fallbacks],
    ['Tỷ lệ chưa trả lời được (%)', questions === 0 ? noData : percent(r.fallbackRate)],
    ['Yêu cầu gặp cán bộ', r.handoffs],
    ['Yêu cầu đã được cán bộ trả lời', r.handoffsAnswered],
    ['Tin trả lời của cán bộ', r.officerReplies],
    ['Lượt đánh giá 👍', r.feedbackUp],
    ['Lượt đánh giá 👎', r.feedbackDown],
    ['Mức hài lòng (%)', percent(r.satisfactionRate) ?? noData],
    ['Lượt mở liên kết', r.linkClicks],
    ['Thời gian phản hồi trung vị (ms)', r.medianLatencyMs ?? noData],
    ['Tin nhắn gửi không thành công', r.failedDeliveries],
  ];
  for (const t of r.topics) rows.push([`Chủ đề: ${TOPIC_NAMES[t.key] ?? t.key}`, t.n]);
  for (const i of r.intents) rows.push([`Câu trả lời: ${titleOf(i.key)}`, i.n]);
  for (const p of r.procedures) rows.push([`Thủ tục: ${titleOf(p.key)} (${p.key})`, p.n]);
  return rows;
}

export function reportCsv(r: ReachReport, titleOf: (id: string) => string): string {
  return toCsv(HEADER as string[], reportRows(r, titleOf));
}

/** One sheet for all channels together, then one per channel. */
export function reportXlsx(
  total: ReachReport,
  perChannel: ReachReport[],
  titleOf: (id: string) => string,
): Buffer {
  const sheets: Sheet[] = [
    { name: 'Tổng', rows: [HEADER, ...reportRows(total, titleOf)] },
    ...perChannel.map((r) => ({
      name: CHANNEL_NAMES[r.channel ?? ''] ?? r.channel ?? '?',
      rows: [HEADER, ...reportRows(r, titleOf)],
    })),
  ];
  return xlsx(sheets);
}

export function unansweredCsvVi(groups: UnansweredGroup[]): string {
  return toCsv(
    ['Số lần', 'Câu hỏi (chuẩn hóa, không dấu)', 'Ví dụ người dân gõ'],
    groups.map((g) => [g.n, g.normalised, g.example]),
  );
}
