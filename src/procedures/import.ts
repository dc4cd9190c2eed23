/**
 * `npm run procedures:import -- <folder>`: reads a folder in the national portal's export
 * layout (records/<code>.md, index.csv, forms/<code>/…) into data/procedures/: the
 * catalogue (one JSON line per procedure, sorted by code, so the same export always gives
 * the same bytes) and a copy of the forms. Every record is validated before anything is
 * written; a malformed one stops the import with file, line and reason, and the previous
 * catalogue stays in place (new files are written beside it, then renamed over it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ContentError } from '../errors';
import { emptyToNull, parseRecord } from './record-parser';
import {
  catalogueIndexSchema,
  PROCEDURE_CODE,
  procedureSchema,
  type CatalogueIndex,
  type Procedure,
} from './schema';

export const CATALOGUE_FILE = 'catalogue.jsonl';
export const INDEX_FILE = 'index.json';
export const FORMS_DIR = 'forms';

/** Where a catalogue folder (or an export) keeps its forms, one folder per procedure code. */
export function formsDirOf(folder: string): string {
  return path.join(folder, FORMS_DIR);
}

/** One row of index.csv. */
export interface IndexRow {
  code: string;
  name: string;
  issuer: string | null;
  agencies: string | null;
  field: string | null;
  url: string | null;
  line: number;
}

const INDEX_COLUMNS = ['Mã số', 'Tên', 'Cơ quan ban hành', 'Cơ quan thực hiện', 'Lĩnh vực', 'URL'];

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks. */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const input = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i++;
      cells.push(cell);
      if (cells.length > 1 || cells[0] !== '') rows.push({ line: rowLine, cells });
      cells = [];
      cell = '';
      line++;
      rowLine = line;
    } else cell += c;
  }
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    rows.push({ line: rowLine, cells });
  }
  return rows;
}

export function parseIndex(file: string, text: string): Map<string, IndexRow> {
  const rows = parseCsv(text);
  const [header, ...body] = rows;
  if (!header || header.cells.map((c) => c.trim()).join(',') !== INDEX_COLUMNS.join(','))
    throw new ContentError(file, 1, undefined, `expected the header ${INDEX_COLUMNS.join(',')}`);
  const out = new Map<string, IndexRow>();
  for (const { line, cells } of body) {
    if (cells.length !== INDEX_COLUMNS.length)
      throw new ContentError(
        file,
        line,
        undefined,
        `expected ${INDEX_COLUMNS.length} columns, found ${cells.length}`,
      );
    const [code, name, issuer, agencies, field, url] = cells.map((c) => c.trim());
    if (!PROCEDURE_CODE.test(code))
      throw new ContentError(file, line, 'Mã số', `"${code}" is not a procedure code such as 1.001193`);
    if (!name) throw new ContentError(file, line, 'Tên', 'the procedure name is empty');
    if (url && !/^https?:\/\//.test(url))
      throw new ContentError(file, line, 'URL', `"${url}" is not a web address`);
    if (out.has(code))
      throw new ContentError(
        file,
        line,
        'Mã số',
        `code ${code} is listed twice (first on line ${out.get(code)!.line})`,
      );
    out.set(code, {
      code,
      name,
      issuer: emptyToNull(issuer),
      agencies: emptyToNull(agencies),
      field: emptyToNull(field),
      url: emptyToNull(url),
      line,
    });
  }
  return out;
}

/** A procedure known only from its index row. */
function fromIndex(row: IndexRow): Procedure {
  return {
    code: row.code,
    name: row.name,
    levels: [],
    field: row.field,
    kind: null,
    decision: null,
    issuer: row.issuer,
    subjects: null,
    authority: null,
    agencies: row.agencies,
    receivingAddress: null,
    delegated: null,
    coordinating: null,
    url: row.url,
    related: null,
    steps: null,
    methods: [],
    documentsText: null,
    documents: [],
    requirements: null,
    results: [],
    legal: [],
    keywords: null,
    description: null,
    forms: [],
    detailed: false,
  };
}

export interface ImportResult {
  source: string;
  procedures: number;
  detailed: number;
  indexOnly: number;
  forms: number;
}

/** Reads and validates the whole export; throws a ContentError at the first problem. */
export function readExport(folder: string): { procedures: Procedure[]; forms: Map<string, string[]> } {
  const recordsDir = path.join(folder, 'records');
  const indexFile = path.join(folder, 'index.csv');
  const formsDir = formsDirOf(folder);
  for (const [p, what] of [
    [recordsDir, 'the records/ folder'],
    [indexFile, 'index.csv'],
  ] as const)
    if (!fs.existsSync(p))
      throw new ContentError(
        p,
        undefined,
        undefined,
        `${what} is missing; expected the portal export layout (records/, index.csv, forms/)`,
      );
  const index = parseIndex(indexFile, fs.readFileSync(indexFile, 'utf8'));

  const forms = new Map<string, string[]>();
  if (fs.existsSync(formsDir))
    for (const code of fs.readdirSync(formsDir).sort()) {
      const dir = path.join(formsDir, code);
      if (!fs.statSync(dir).isDirectory()) continue;
      const files = fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile());
      if (files.length > 0) forms.set(code, files.sort());
    }

  const byCode = new Map<string, Procedure>();
  const recordFiles = fs
    .readdirSync(recordsDir)
    .filter((f) => f.endsWith('.md'))
    .sort();
  for (const name of recordFiles) {
    const file = path.join(recordsDir, name);
    const code = name.slice(0, -3);
    const record = parseRecord(file, fs.readFileSync(file, 'utf8'), {
      formFiles: new Set(forms.get(code) ?? []),
    });
    const row = index.get(record.code);
    if (row) {
      record.issuer = row.issuer;
      record.url = row.url ?? record.url;
      record.agencies ??= row.agencies;
      record.field ??= row.field;
    }
    byCode.set(record.code, validated(file, record));
  }
  for (const row of index.values())
    if (!byCode.has(row.code)) byCode.set(row.code, validated(indexFile, fromIndex(row), row.line));
  const procedures = [...byCode.values()].sort((a, b) => a.code.localeCompare(b.code));
  return { procedures, forms };
}

function validated(file: string, procedure: Procedure, line?: number): Procedure {
  const result = procedureSchema.safeParse(procedure);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ContentError(file, line, issue.path.join('.'), issue.message);
}

/**
 * The catalogue (one procedure per line, in code order) and its index (the summaries the
 * ranking keeps in memory, with each record's byte range in the catalogue).
 */
export function serialiseCatalogue(
  procedures: Procedure[],
  source: string,
): { catalogue: Buffer; index: string } {
  const lines = procedures.map((p) => Buffer.from(`${JSON.stringify(p)}\n`));
  let offset = 0;
  const summaries = procedures.map((p, i) => {
    const length = lines[i].length - 1;
    const summary = {
      code: p.code,
      name: p.name,
      levels: p.levels,
      field: p.field,
      issuer: p.issuer,
      agencies: p.agencies,
      keywords: p.keywords,
      url: p.url,
      detailed: p.detailed,
      offset,
      length,
    };
    offset += length + 1;
    return summary;
  });
  const index: CatalogueIndex = catalogueIndexSchema.parse({
    format: 1,
    source,
    catalogueBytes: offset,
    procedures: summaries,
  });
  // One summary per line: a refreshed export shows as a readable diff.
  const body = index.procedures.map((s) => `    ${JSON.stringify(s)}`).join(',\n');
  const headJson = JSON.stringify({ ...index, procedures: undefined }).slice(0, -1);
  return { catalogue: Buffer.concat(lines), index: `${headJson},"procedures":[\n${body}\n]}\n` };
}

/**
 * Imports `folder` into `outDir` (data/procedures). Nothing under `outDir` changes unless the
 * whole export is valid; the catalogue and the forms are then replaced by rename.
 */
export function importCatalogue(folder: string, outDir: string): ImportResult {
  const { procedures, forms } = readExport(folder);
  const detailed = procedures.filter((p) => p.detailed).length;
  const source = `dichvucong.gov.vn export: ${detailed} records, ${procedures.length - detailed} procedures known from index.csv only`;
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = (name: string) => path.join(outDir, `.${name}-${stamp}`);
  const { catalogue, index } = serialiseCatalogue(procedures, source);
  let formCount = 0;
  try {
    fs.mkdirSync(tmp(FORMS_DIR), { recursive: true });
    for (const [code, files] of forms) {
      fs.mkdirSync(path.join(tmp(FORMS_DIR), code), { recursive: true });
      for (const f of files) {
        fs.copyFileSync(path.join(formsDirOf(folder), code, f), path.join(tmp(FORMS_DIR), code, f));
        formCount++;
      }
    }
    fs.writeFileSync(tmp(CATALOGUE_FILE), catalogue);
    fs.writeFileSync(tmp(INDEX_FILE), index);
    // Everything is written: now swap. The index goes last, and the loader refuses an index
    // whose catalogueBytes does not match the catalogue beside it.
    const finalForms = formsDirOf(outDir);
    const oldForms = tmp(`${FORMS_DIR}-old`);
    if (fs.existsSync(finalForms)) fs.renameSync(finalForms, oldForms);
    fs.renameSync(tmp(FORMS_DIR), finalForms);
    fs.renameSync(tmp(CATALOGUE_FILE), path.join(outDir, CATALOGUE_FILE));
    fs.renameSync(tmp(INDEX_FILE), path.join(outDir, INDEX_FILE));
    fs.rmSync(oldForms, { recursive: true, force: true });
  } finally {
    for (const name of [FORMS_DIR, CATALOGUE_FILE, INDEX_FILE])
      fs.rmSync(tmp(name), { recursive: true, force: true });
  }
  return {
    source,
    procedures: procedures.length,
    detailed,
    indexOnly: procedures.length - detailed,
    forms: formCount,
  };
}
