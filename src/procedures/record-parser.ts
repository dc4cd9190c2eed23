/**
 * Parses one record of the national portal's export (`records/<code>.md`, Markdown rendered
 * mechanically from the portal's JSON; layout in data/procedures/README.md) into a
 * `Procedure`. Anything that does not fit the layout is refused with the file, the line
 * and the reason: a guessed field would end up in a citizen's answer.
 */
import { ContentError } from '../errors';
import {
  PROCEDURE_CODE,
  type DocumentGroup,
  type FilingMethod,
  type FormRef,
  type LegalBasis,
  type Procedure,
} from './schema';

/** The portal's way of saying a field is empty. */
const NO_INFO = /^(không có thông tin|không có|n\/a)\.?$/i;

/** A "## " section of the record, its lines and where it starts (1-based). */
interface Section {
  title: string;
  line: number;
  lines: string[];
}

/** What the index and the forms folder add to a record. */
export interface RecordContext {
  /** Form files that exist for this code, by their exported file name. */
  formFiles: ReadonlySet<string>;
}

export function emptyToNull(value: string | undefined | null): string | null {
  if (value === undefined || value === null) return null;
  const trimmed = value.trim();
  return trimmed === '' || NO_INFO.test(trimmed) ? null : trimmed;
}

/** `<br>` inside a table cell is a line break of the portal's text. */
function cellText(cell: string): string {
  return cell
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

function splitRow(line: string): string[] {
  // Rows are "| a | b | c |"; the export never escapes a pipe inside a cell.
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map(cellText);
}

const isSeparator = (cells: string[]) => cells.every((c) => /^:?-{3,}:?$/.test(c));

export function parseRecord(file: string, markdown: string, context: RecordContext): Procedure {
  const fail = (line: number | undefined, field: string | undefined, problem: string): never => {
    throw new ContentError(file, line, field, problem);
  };
  const lines = markdown.replace(/^\uFEFF/, '').split(/\r?\n/);
  const titleLine = lines.findIndex((l) => l.trim() !== '');
  const title = /^# (.+)$/.exec(lines[titleLine] ?? '');
  if (!title) fail(titleLine + 1, 'title', 'expected the procedure name as "# <name>" on the first line');
  // A long name wraps onto the following lines, up to the first blank line.
  let start = titleLine + 1;
  const nameLines = [title![1].trim()];
  while (start < lines.length && lines[start].trim() !== '' && !lines[start].startsWith('#'))
    nameLines.push(lines[start++].trim());
  const name = nameLines.join(' ');

  const sections: Section[] = [];
  for (let i = start; i < lines.length; i++) {
    const heading = /^## (.+)$/.exec(lines[i]);
    if (heading) sections.push({ title: heading[1].trim(), line: i + 1, lines: [] });
    else if (sections.length > 0) sections[sections.length - 1].lines.push(lines[i]);
    else if (lines[i].trim() !== '') fail(i + 1, undefined, 'expected a "## " section after the title');
  }
  const section = (title: string) => sections.find((s) => s.title === title);
  const sectionText = (title: string) => emptyToNull(section(title)?.lines.join('\n'));

  // ## Thông tin chung: "* **Key:** value" bullets.
  const general = section('Thông tin chung');
  if (!general) fail(undefined, 'Thông tin chung', 'the section "## Thông tin chung" is missing');
  const info = new Map<string, string>();
  let lastKey: string | undefined;
  general!.lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const bullet = /^\* \*\*(.+?):\*\*\s*(.*)$/.exec(line.trim());
    if (bullet) {
      lastKey = bullet[1].trim();
      info.set(lastKey, bullet[2].trim());
    } else if (lastKey)
      info.set(lastKey, `${info.get(lastKey)}\n${line.trim()}`); // a value's next line
    else
      fail(
        general!.line + 1 + i,
        'Thông tin chung',
        `expected "* **Field:** value", got "${line.slice(0, 60)}"`,
      );
  });
  const code = info.get('Mã thủ tục');
  if (!code) fail(general!.line, 'Mã thủ tục', 'the procedure code ("* **Mã thủ tục:** …") is missing');
  const expected = /([^/\\]+)\.md$/.exec(file)?.[1];
  if (expected && code !== expected)
    fail(
      lineOf(lines, 'Mã thủ tục'),
      'Mã thủ tục',
      `the record says code ${code} but the file is named ${expected}.md`,
    );
  if (!PROCEDURE_CODE.test(code!))
    fail(lineOf(lines, 'Mã thủ tục'), 'Mã thủ tục', `"${code}" is not a procedure code such as 1.001193`);

  const levels = (emptyToNull(info.get('Cấp thực hiện')) ?? '')
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);

  const methodsSection = section('Cách thức thực hiện');
  const methods = methodsSection ? parseMethods(methodsSection, fail) : [];

  const documentsSection = section('Thành phần hồ sơ');
  const { groups, text: documentsText } = documentsSection
    ? parseDocuments(documentsSection, code!, context, fail)
    : { groups: [], text: null };

  const legalSection = section('Căn cứ pháp lý');
  const legal = legalSection ? parseLegal(legalSection, fail) : [];

  const results = (section('Kết quả xử lý')?.lines ?? [])
    .map((l) => emptyToNull(l.replace(/^\s*\*\s*/, '').replace(/\s*\(Mã: `[^`]*`\)\s*$/, '')))
    .filter((l): l is string => l !== null);

  const forms: FormRef[] = [...context.formFiles].sort().map((f) => ({ name: f, file: `${code}/${f}` }));

  return {
    code: code!,
    name,
    levels,
    field: emptyToNull(info.get('Lĩnh vực')),
    kind: emptyToNull(info.get('Loại thủ tục')),
    decision: emptyToNull(info.get('Số quyết định')),
    issuer: null,
    subjects: emptyToNull(info.get('Đối tượng thực hiện')),
    authority: emptyToNull(info.get('Cơ quan có thẩm quyền')),
    agencies: sectionText('Cơ quan thực hiện'),
    receivingAddress: emptyToNull(info.get('Địa chỉ tiếp nhận HS')),
    delegated: emptyToNull(info.get('Cơ quan được ủy quyền')),
    coordinating: emptyToNull(info.get('Cơ quan phối hợp')),
    // Records the portal's API could not give in full were taken from its older page.
    url: emptyToNull(info.get('Nguồn fallback')),
    related: sectionText('Thủ tục hành chính liên quan'),
    steps: sectionText('Trình tự thực hiện'),
    methods,
    documentsText,
    documents: groups,
    requirements: sectionText('Yêu cầu, điều kiện thực hiện'),
    results,
    legal,
    keywords: sectionText('Từ khóa'),
    description: sectionText('Mô tả'),
    forms,
    detailed: true,
  };
}

type Fail = (line: number | undefined, field: string | undefined, problem: string) => never;

/** The rows of every table in a section: [1-based line, cells][], header and separator removed. */
function tables(
  section: Section,
  fail: Fail,
  columns: number,
): { line: number; rows: [number, string[]][] }[] {
  const out: { line: number; rows: [number, string[]][] }[] = [];
  let current: { line: number; rows: [number, string[]][] } | undefined;
  let header = false;
  section.lines.forEach((raw, i) => {
    const line = section.line + 1 + i;
    if (!raw.trim().startsWith('|')) {
      current = undefined;
      return;
    }
    const cells = splitRow(raw);
    if (cells.length !== columns)
      fail(line, section.title, `expected a table row of ${columns} cells, found ${cells.length}`);
    if (!current) {
      current = { line, rows: [] };
      out.push(current);
      header = true;
      return;
    }
    if (header && isSeparator(cells)) {
      header = false;
      return;
    }
    current.rows.push([line, cells]);
  });
  return out;
}

function parseMethods(section: Section, fail: Fail): FilingMethod[] {
  const found = tables(section, fail, 4);
  if (found.length > 0)
    return found.flatMap((t) =>
      t.rows.map(([line, [method, time, fee, description]]) => {
        if (!method) fail(line, 'Cách thức thực hiện', 'a filing method row has no method');
        return {
          method,
          time: emptyToNull(time),
          fee: emptyToNull(fee),
          description: emptyToNull(description),
        };
      }),
    );
  // Older records flatten the table into one paragraph:
  // "Hình thức nộp Thời hạn giải quyết Phí, lệ phí Mô tả Trực tiếp 10 Ngày làm việc …".
  const flat = section.lines.join(' ').replace(/\s+/g, ' ').trim();
  const methods: FilingMethod[] = [];
  const pattern =
    /(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)\s+(\d+(?:[.,]\d+)?\s+(?:Ngày làm việc|Ngày|Giờ|Tháng)(?: làm việc)?)?\s*(.*?)(?=\s(?:Trực tiếp|Trực tuyến|Dịch vụ bưu chính)\s|$)/g;
  for (const m of flat.matchAll(pattern))
    methods.push({
      method: m[1],
      time: emptyToNull(m[2]?.toLowerCase()),
      fee: null,
      description: emptyToNull(m[3]),
    });
  return methods;
}

function parseDocuments(
  section: Section,
  code: string,
  context: RecordContext,
  fail: Fail,
): { groups: DocumentGroup[]; text: string | null } {
  const groups: DocumentGroup[] = [];
  let heading: string | null = null;
  let group: DocumentGroup | undefined;
  let inTable = false;
  let header = false;
  const loose: string[] = [];
  section.lines.forEach((raw, i) => {
    const line = section.line + 1 + i;
    const h = /^###\s+(.*)$/.exec(raw);
    if (h) {
      heading = emptyToNull(
        h[1]
          .replace(/^\*\s*/, '')
          .replace(/:\s*$/, '')
          .trim(),
      );
      group = undefined;
      inTable = false;
      return;
    }
    if (!raw.trim().startsWith('|')) {
      inTable = false;
      if (raw.trim()) loose.push(raw.trim());
      return;
    }
    const cells = splitRow(raw);
    if (cells.length !== 4)
      fail(line, 'Thành phần hồ sơ', `expected a table row of 4 cells, found ${cells.length}`);
    if (!inTable) {
      inTable = true;
      header = true;
      // A second table right after the first one (no "### " between) has no heading of its own.
      group = { heading, items: [] };
      groups.push(group);
      heading = null;
      return;
    }
    if (header && isSeparator(cells)) {
      header = false;
      return;
    }
    const [name, originals, copies, attachment] = cells;
    const count = (value: string, column: string) => {
      if (!/^\d+$/.test(value))
        fail(line, 'Thành phần hồ sơ', `expected a number in column "${column}", got "${value}"`);
      return Number(value);
    };
    if (!emptyToNull(name)) return; // An empty row carries nothing a citizen could bring.
    group!.items.push({
      name: name.replace(/^[-+]\s*/, ''),
      originals: count(originals, 'Bản chính'),
      copies: count(copies, 'Bản sao'),
      form: parseAttachment(attachment, code, context),
    });
  });
  const nonEmpty = groups.filter((g) => g.items.length > 0);
  const text = nonEmpty.length === 0 ? emptyToNull(loose.join('\n')) : null;
  return { groups: nonEmpty, text };
}

/** "[name](../forms/<code>/<file>)" → the form, with its file when it was exported. */
function parseAttachment(cell: string, code: string, context: RecordContext): FormRef | null {
  if (!emptyToNull(cell)) return null;
  const link = /^\[([^\]]+)\]\(([^)]*)\)$/.exec(cell);
  if (!link) return { name: cell, file: null };
  let fileName: string;
  try {
    fileName = decodeURIComponent(link[2].split('/').pop() ?? '');
  } catch {
    fileName = link[2].split('/').pop() ?? '';
  }
  return { name: link[1], file: context.formFiles.has(fileName) ? `${code}/${fileName}` : null };
}

function parseLegal(section: Section, fail: Fail): LegalBasis[] {
  return tables(section, fail, 2).flatMap((t) =>
    t.rows
      .filter(([, [title]]) => emptyToNull(title))
      .map(([, [title, number]]) => ({ title, number: emptyToNull(number) })),
  );
}

function lineOf(lines: string[], marker: string): number {
  return lines.findIndex((l) => l.includes(marker)) + 1;
}
