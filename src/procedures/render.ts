/**
 * Renders a procedure's facets as chat-size messages, from the official record and the
 * editors' sourced content only. Every number a citizen reads here (a time, a count of
 * copies, a fee) is copied from one of those; when the record is silent the reply says so
 * and names who knows. Each text block stays within the smallest channel limit.
 */
import type { ProcedureContent } from './content';
import { FACET_LABELS, type Facet } from './facets';
import { agenciesNamedIn, type Agency } from './locality';
import type { DocumentItem, Procedure, ProcedureSummary } from './schema';

export type RenderedBlock = { type: 'text'; text: string } | { type: 'link'; label: string; url: string };

export interface RenderContext {
  content?: ProcedureContent;
  agencies: readonly Agency[];
  /** The public URL of a form file under data/procedures/forms, or undefined when not served. */
  formUrl?: (file: string) => string;
  /** The longest text block every channel accepts (Zalo and Messenger: 2,000). */
  maxChars?: number;
}

export interface Rendered {
  blocks: RenderedBlock[];
  /** The facets the blocks answer. */
  covered: Facet[];
}

const DEFAULT_MAX = 2000;
/** Link labels share the quick-reply limit (Messenger: 20 characters). */
const LABEL_MAX = 20;
const ITEM_MAX = 260;
const PORTAL = 'https://dichvucong.gov.vn';

/** The title shown for a procedure: the editors' short title, else the portal's name. */
export function displayTitle(summary: Pick<ProcedureSummary, 'name'>, content?: ProcedureContent): string {
  return content?.title ?? summary.name.replace(/^Thủ tục\s+/i, '').replace(/^./, (c) => c.toUpperCase());
}

/** Cuts text at a sentence or word boundary, marking the cut. */
export function clip(text: string, max: number): string {
  const flat = text.trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const sentence = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('.\n'), cut.lastIndexOf('; '));
  const at = sentence > max * 0.6 ? sentence + 1 : cut.lastIndexOf(' ');
  return `${cut.slice(0, at > 0 ? at : cut.length).trimEnd()} …`;
}

/** Lines joined until the budget is spent; the rest is counted in the last line. */
function fitLines(
  head: string,
  lines: string[],
  tail: string,
  max: number,
  more: (n: number) => string,
): string {
  let text = head;
  for (let i = 0; i < lines.length; i++) {
    const rest = lines.length - i - 1;
    const candidate = `${text}\n${lines[i]}`;
    const reserve = tail.length + (rest > 0 ? more(rest).length + 2 : 0) + 2;
    if (candidate.length + reserve > max)
      return `${text}\n${more(lines.length - i)}${tail ? `\n\n${tail}` : ''}`;
    text = candidate;
  }
  return tail ? `${text}\n\n${tail}` : text;
}

/** "Nguồn: …": the code, the publishing decision and the portal, on every answer. */
export function sourceLine(p: Procedure): string {
  const parts = [`thủ tục mã ${p.code} trên Cổng Dịch vụ công quốc gia`];
  if (p.decision)
    parts.push(`công bố tại Quyết định ${p.decision.replace(/^(Quyết định|QĐ)\s*(số)?\s*/i, '')}`);
  return `Nguồn: ${parts.join(', ')}${p.url ? ` (${p.url})` : ''}.`;
}

/** Whether a document applies only in some cases ("Trường hợp …", "… (nếu có)"). */
function isConditional(name: string): boolean {
  return /^(trường hợp|trong trường hợp|nếu|đối với|khi|ví dụ)\b/i.test(name) || /\bnếu có\b/i.test(name);
}

/** "A; A; B" → "A; B": the record and the index often name the same agency twice. */
function uniqueParts(texts: string[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const part of texts.flatMap((t) => t.split(/;\s*/)))
    if (part.trim() && !seen.has(part.trim().toLowerCase())) {
      seen.add(part.trim().toLowerCase());
      out.push(part.trim());
    }
  return out.join('; ');
}

function copies(item: DocumentItem): string {
  const parts: string[] = [];
  if (item.originals > 0) parts.push(`${item.originals} bản chính`);
  if (item.copies > 0) parts.push(`${item.copies} bản sao`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function renderDocuments(p: Procedure, max: number): string | undefined {
  const head = `${FACET_LABELS.documents.heading}:`;
  if (p.documents.length === 0) {
    if (!p.documentsText) return undefined;
    return `${head}\n${clip(p.documentsText, max - head.length - 200)}`;
  }
  // What to submit first, then what to show, then the cases; the portal's notes last.
  const rank = (heading: string | null) => {
    const h = (heading ?? '').toLowerCase();
    if (h.includes('phải nộp')) return 0;
    if (h.includes('xuất trình')) return 1;
    if (h.includes('lưu ý')) return 3;
    return 2;
  };
  const groups = [...p.documents].sort((a, b) => rank(a.heading) - rank(b.heading));
  const lines: string[] = [];
  for (const g of groups) {
    if (rank(g.heading) === 3 && lines.length > 0) continue; // notes only when nothing else
    const items = [...g.items].sort((a, b) => Number(isConditional(a.name)) - Number(isConditional(b.name)));
    if (g.heading) lines.push(`${g.heading}:`);
    for (const item of items) {
      const mark = isConditional(item.name) ? ' [tùy trường hợp]' : '';
      const form = item.form ? ` — mẫu: ${item.form.name}` : '';
      lines.push(`• ${clip(item.name, ITEM_MAX)}${copies(item)}${mark}${form}`);
    }
  }
  return fitLines(head, lines, '', max, (n) => `… và ${n} dòng nữa: xem đầy đủ trên trang thủ tục.`);
}

function renderTime(p: Procedure): string | undefined {
  const methods = p.methods.filter((m) => m.time || m.description);
  if (methods.length === 0)
    return `${FACET_LABELS.time.heading}: hồ sơ thủ tục trên Cổng Dịch vụ công quốc gia không ghi thời hạn giải quyết. Vui lòng hỏi nơi tiếp nhận hồ sơ.`;
  const times = new Set(methods.map((m) => m.time));
  const lines: string[] = [];
  if (times.size === 1 && methods[0].time)
    lines.push(`${methods[0].time} (${methods.map((m) => m.method.toLowerCase()).join(', ')})`);
  else for (const m of methods) lines.push(`• ${m.method}: ${m.time ?? 'không ghi'}`);
  const descriptions = [...new Set(methods.map((m) => m.description).filter((d): d is string => !!d))];
  const note =
    descriptions.length === 1 && descriptions[0] !== methods[0].time
      ? `\nGhi chú: ${clip(descriptions[0], 600)}`
      : '';
  return `${FACET_LABELS.time.heading}: ${lines.length === 1 && !lines[0].startsWith('•') ? lines[0] : `\n${lines.join('\n')}`}${note}`;
}

function renderFee(p: Procedure, ctx: RenderContext): string {
  const head = `${FACET_LABELS.fee.heading}:`;
  const fees = ctx.content?.fees ?? [];
  if (fees.length > 0) return `${head}\n${fees.map((f) => `• ${f.text} (theo ${f.source})`).join('\n')}`;
  const stated = p.methods.filter((m) => m.fee);
  if (stated.length > 0) return `${head}\n${stated.map((m) => `• ${m.method}: ${m.fee}`).join('\n')}`;
  const provincial = p.legal.some((l) => /85\/2019\/TT-BTC|106\/2021\/TT-BTC/.test(`${l.number} ${l.title}`));
  const who = provincial
    ? 'Mức thu (nếu có) do Hội đồng nhân dân cấp tỉnh quyết định (theo Thông tư 85/2019/TT-BTC có trong căn cứ pháp lý của thủ tục).'
    : 'Mức thu (nếu có) do cơ quan có thẩm quyền quy định; nhiều khoản phí, lệ phí do Hội đồng nhân dân cấp tỉnh quyết định.';
  return `${head} Cổng Dịch vụ công quốc gia không công bố mức phí, lệ phí cho thủ tục này. ${who} Vui lòng hỏi nơi tiếp nhận hồ sơ trước khi nộp.`;
}

function agencyLine(a: Agency): string {
  return `${a.name}${a.address ? `, ${a.address}` : ''}${a.hours ? ` (giờ làm việc: ${a.hours})` : ''}`;
}

function renderPlace(p: Procedure, ctx: RenderContext): string {
  const official = [p.receivingAddress, p.authority, p.agencies].filter((t): t is string => !!t);
  const lines: string[] = [];
  if (official.length > 0) lines.push(`Theo hồ sơ thủ tục: ${clip(uniqueParts(official), 400)}.`);
  const named = agenciesNamedIn(official.join('; '), ctx.agencies);
  if (named.length === 0 && p.levels.includes('Cấp xã')) {
    const commune = ctx.agencies.find((a) => a.kinds.includes('uy ban nhan dan cap xa'));
    if (commune) named.push(commune);
  }
  for (const a of named.slice(0, 3)) lines.push(`• ${agencyLine(a)}`);
  if (p.methods.some((m) => /bưu chính/i.test(m.method)))
    lines.push('Có thể gửi hồ sơ qua dịch vụ bưu chính.');
  if (p.methods.some((m) => /trực tuyến/i.test(m.method)))
    lines.push(`Có thể nộp trực tuyến: ${p.url ?? PORTAL}`);
  if (lines.length === 0)
    lines.push(
      'Hồ sơ thủ tục không ghi nơi tiếp nhận. Vui lòng hỏi Ủy ban nhân dân xã/phường nơi bạn cư trú.',
    );
  return `${FACET_LABELS.place.heading}:\n${lines.join('\n')}`;
}

function renderOnline(p: Procedure): string {
  const online = p.methods.find((m) => /trực tuyến/i.test(m.method));
  const head = `${FACET_LABELS.online.heading}:`;
  if (!p.detailed)
    return `${head} Cổng Dịch vụ công quốc gia chưa công bố chi tiết cách thực hiện thủ tục này. Xem và nộp (nếu có dịch vụ trực tuyến) tại: ${p.url ?? PORTAL}`;
  if (!online)
    return `${head} Hồ sơ thủ tục không ghi hình thức nộp trực tuyến; thủ tục này nộp ${p.methods.map((m) => m.method.toLowerCase()).join(', ') || 'tại nơi tiếp nhận'}. Trang thủ tục: ${p.url ?? PORTAL}`;
  const full = /toàn trình/i.test(`${p.steps ?? ''} ${online.description ?? ''}`);
  const scope = full
    ? 'Hồ sơ thủ tục ghi dịch vụ công trực tuyến toàn trình.'
    : 'Hồ sơ thủ tục không ghi là toàn trình: có thể vẫn phải đến nhận kết quả hoặc xuất trình bản chính.';
  return `${head} Có — nộp trên Cổng Dịch vụ công quốc gia (đăng nhập bằng tài khoản VNeID): ${p.url ?? PORTAL}\n${scope}${online.time ? ` Thời hạn khi nộp trực tuyến: ${online.time}.` : ''}`;
}

function renderText(facet: Facet, text: string | null, max: number, fallback: string): string {
  const head = `${FACET_LABELS[facet].heading}:`;
  if (!text) return `${head} ${fallback}`;
  return `${head}\n${clip(text.replace(/\n{3,}/g, '\n\n'), max - head.length - 120)}`;
}

function renderLegal(p: Procedure, max: number): string {
  if (p.legal.length === 0)
    return `${FACET_LABELS.legal.heading}: hồ sơ thủ tục không liệt kê văn bản pháp lý.`;
  const lines = p.legal.map((l) => `• ${l.number ? `${l.number}: ` : ''}${clip(l.title, 160)}`);
  return fitLines(
    `${FACET_LABELS.legal.heading}:`,
    lines,
    '',
    max,
    (n) => `… và ${n} văn bản khác trên trang thủ tục.`,
  );
}

function renderForms(p: Procedure, ctx: RenderContext): { text: string; links: RenderedBlock[] } {
  const head = `${FACET_LABELS.forms.heading}:`;
  const named = p.documents.flatMap((g) => g.items.map((i) => i.form)).filter((f) => f !== null);
  const all = [...named, ...p.forms];
  const seen = new Set<string>();
  const unique = all.filter((f) => {
    const key = f.file ?? f.name;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const downloadable = unique.filter((f) => f.file && ctx.formUrl);
  const links: RenderedBlock[] = downloadable.slice(0, 3).map((f, i) => ({
    type: 'link',
    label: downloadable.length > 1 ? `Tải tờ khai ${i + 1}` : 'Tải tờ khai',
    url: ctx.formUrl!(f.file!),
  }));
  if (unique.length === 0)
    return {
      text: `${head} hồ sơ thủ tục không đính kèm mẫu đơn, tờ khai. Nếu cần tờ khai, bạn nhận tại nơi nộp hồ sơ hoặc khai trực tuyến trên ${p.url ?? PORTAL}`,
      links,
    };
  const lines = unique.map(
    (f) =>
      `• ${clip(f.name, 160)}${f.file && ctx.formUrl ? `: ${ctx.formUrl(f.file)}` : ' (chỉ có tên mẫu; nhận tại nơi nộp hồ sơ)'}`,
  );
  return {
    text: fitLines(head, lines, '', ctx.maxChars ?? DEFAULT_MAX, (n) => `… và ${n} mẫu khác.`),
    links,
  };
}

function renderResult(p: Procedure): string {
  if (p.results.length === 0) return `${FACET_LABELS.result.heading}: hồ sơ thủ tục không ghi kết quả.`;
  return `${FACET_LABELS.result.heading}:\n${p.results.map((r) => `• ${clip(r, 300)}`).join('\n')}`;
}

/** The short first message when no facet is asked: what it is, where, how long, online or not. */
function renderOverview(p: Procedure, ctx: RenderContext): { text: string; covered: Facet[] } {
  const covered: Facet[] = [];
  const parts: string[] = [];
  if (ctx.content?.summary) parts.push(ctx.content.summary);
  const time = p.methods.find((m) => m.time)?.time;
  const times = new Set(p.methods.map((m) => m.time).filter(Boolean));
  if (time) {
    parts.push(
      `Thời hạn giải quyết: ${times.size === 1 ? time : p.methods.map((m) => `${m.method.toLowerCase()} ${m.time ?? 'không ghi'}`).join('; ')}.`,
    );
    covered.push('time');
  }
  const named = agenciesNamedIn(
    [p.receivingAddress, p.authority, p.agencies].filter(Boolean).join('; '),
    ctx.agencies,
  );
  if (named.length > 0) {
    parts.push(`Nơi nộp: ${agencyLine(named[0])}.`);
    covered.push('place');
  } else if (p.agencies) {
    parts.push(`Cơ quan thực hiện: ${clip(uniqueParts([p.agencies]), 200)}.`);
    covered.push('place');
  }
  if (p.methods.length > 0) {
    const online = p.methods.some((m) => /trực tuyến/i.test(m.method));
    parts.push(
      online
        ? `Có thể nộp trực tuyến: ${p.url ?? PORTAL}`
        : `Hình thức nộp: ${p.methods.map((m) => m.method.toLowerCase()).join(', ')}.`,
    );
    covered.push('online');
  }
  if (!p.detailed)
    parts.push(
      'Cổng Dịch vụ công quốc gia chưa công bố chi tiết hồ sơ, thời hạn của thủ tục này; xem trang thủ tục hoặc hỏi nơi tiếp nhận.',
    );
  return { text: parts.join('\n'), covered };
}

/**
 * The reply blocks for `facets` of a procedure (an overview when none is asked), the title
 * first and the source last. Notes an editor wrote for this procedure follow the answer.
 */
export function renderProcedure(p: Procedure, facets: readonly Facet[], ctx: RenderContext): Rendered {
  const max = ctx.maxChars ?? DEFAULT_MAX;
  const title = displayTitle(p, ctx.content);
  const texts: string[] = [];
  const links: RenderedBlock[] = [];
  const covered: Facet[] = [];
  if (facets.length === 0) {
    const overview = renderOverview(p, ctx);
    texts.push(overview.text);
    covered.push(...overview.covered);
  }
  for (const facet of facets) {
    let text = '';
    switch (facet) {
      case 'documents':
        text =
          renderDocuments(p, max - 40) ??
          `${FACET_LABELS.documents.heading}: Cổng Dịch vụ công quốc gia chưa công bố thành phần hồ sơ của thủ tục này. Xem trang thủ tục (${p.url ?? PORTAL}) hoặc hỏi nơi tiếp nhận hồ sơ.`;
        break;
      case 'time':
        text = renderTime(p) ?? '';
        break;
      case 'fee':
        text = renderFee(p, ctx);
        break;
      case 'place':
        text = renderPlace(p, ctx);
        break;
      case 'online':
        text = renderOnline(p);
        break;
      case 'steps':
        text = renderText(
          'steps',
          p.steps,
          max,
          `hồ sơ thủ tục không ghi trình tự. Xem trang thủ tục: ${p.url ?? PORTAL}`,
        );
        break;
      case 'requirements':
        text = renderText(
          'requirements',
          p.requirements,
          max,
          'hồ sơ thủ tục không nêu yêu cầu, điều kiện riêng.',
        );
        break;
      case 'legal':
        text = renderLegal(p, max);
        break;
      case 'forms': {
        const forms = renderForms(p, ctx);
        text = forms.text;
        links.push(...forms.links);
        break;
      }
      case 'result':
        text = renderResult(p);
        break;
    }
    texts.push(clip(text, max));
    covered.push(facet);
  }
  const notes = ctx.content?.notes ?? [];
  const blocks: RenderedBlock[] = [];
  const header = `${title} (mã ${p.code})`;
  // The title rides on the first message; the source on the last one, both within the limit.
  const source = sourceLine(p);
  const all = [`${header}\n${texts[0] ?? ''}`.trim(), ...texts.slice(1)];
  if (notes.length > 0) all.push(`Lưu ý của địa phương:\n${notes.map((n) => `• ${n}`).join('\n')}`);
  const last = all.length - 1;
  if (all[last].length + source.length + 2 <= max) all[last] = `${all[last]}\n\n${source}`;
  else all.push(source);
  for (const text of all) blocks.push({ type: 'text', text: clip(text, max) });
  if (p.url) blocks.push({ type: 'link', label: 'Trang thủ tục'.slice(0, LABEL_MAX), url: p.url });
  blocks.push(...links);
  return { blocks, covered: [...new Set(covered)] };
}
