/**
 * Loads the procedure catalogue written by `npm run procedures:import`: data/procedures/
 * index.json (every procedure's summary, zod-validated at load) and catalogue.jsonl (the full
 * records). A full record is read, parsed and validated with the import's zod schema the
 * first time a reply needs it: the server starts in tens of milliseconds and holds the
 * records as 24 MB of UTF-8 bytes instead of ~75 MB of JavaScript objects.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ContentError } from '../errors';
import { PACKAGE_ROOT } from '../paths';
import { CATALOGUE_FILE, formsDirOf, INDEX_FILE } from './import';
import { catalogueIndexSchema, procedureSchema, type Procedure, type ProcedureSummary } from './schema';

/** The catalogue the project ships, relative to the repository root. */
export const DEFAULT_CATALOGUE_DIR = path.join(PACKAGE_ROOT, 'data', 'procedures');

/** Full records kept parsed; a conversation touches a handful, the facet test all of them once. */
const RECORD_CACHE = 256;

export class ProcedureCatalogue {
  private readonly byCode: Map<string, ProcedureSummary>;
  private readonly cache = new Map<string, Procedure>();

  constructor(
    /** Every procedure's summary, in code order. */
    readonly summaries: readonly ProcedureSummary[],
    private readonly records: Buffer,
    /** Where the catalogue came from (the import's description). */
    readonly source: string,
    /** The folder holding the forms (tờ khai), served under /procedures/forms/. */
    readonly formsDir: string,
    private readonly file = CATALOGUE_FILE,
  ) {
    this.byCode = new Map(summaries.map((s) => [s.code, s]));
  }

  get size(): number {
    return this.summaries.length;
  }

  /** The records' bytes: shared memory (`readRecords`), which process.memoryUsage() leaves out. */
  get recordsBytes(): number {
    return this.records.length;
  }

  summary(code: string): ProcedureSummary | undefined {
    return this.byCode.get(code);
  }

  /** The full record; throws a ContentError naming the line if the catalogue was corrupted. */
  get(code: string): Procedure | undefined {
    const cached = this.cache.get(code);
    if (cached) {
      // Most recently used last, so the first key is the one to evict.
      this.cache.delete(code);
      this.cache.set(code, cached);
      return cached;
    }
    const summary = this.byCode.get(code);
    if (!summary) return undefined;
    const line = this.summaries.indexOf(summary) + 1;
    let json: unknown;
    try {
      json = JSON.parse(this.records.toString('utf8', summary.offset, summary.offset + summary.length));
    } catch (err) {
      throw new ContentError(
        this.file,
        line,
        undefined,
        'not valid JSON; run npm run procedures:import again',
        {
          cause: err,
        },
      );
    }
    const result = procedureSchema.safeParse(json);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new ContentError(this.file, line, issue.path.map(String).join('.'), issue.message);
    }
    if (result.data.code !== code)
      throw new ContentError(
        this.file,
        line,
        'code',
        `expected procedure ${code} here; run npm run procedures:import again`,
      );
    this.cache.set(code, result.data);
    if (this.cache.size > RECORD_CACHE) this.cache.delete(this.cache.keys().next().value!);
    return result.data;
  }

  /** Every full record, in code order (for checks and tests; slow). */
  *all(): Generator<Procedure> {
    for (const s of this.summaries) yield this.get(s.code)!;
  }
}

const loaded = new Map<string, ProcedureCatalogue>();

/**
 * The catalogue in `dir`, loaded once per process: every app built in one process (tests,
 * the eval) shares it; the import writes a new file, which a restart then loads.
 */
export function sharedCatalogue(dir: string = DEFAULT_CATALOGUE_DIR): ProcedureCatalogue {
  let catalogue = loaded.get(dir);
  if (!catalogue) loaded.set(dir, (catalogue = loadCatalogue(dir)));
  return catalogue;
}

function missingCatalogue(file: string): ContentError {
  return new ContentError(
    file,
    undefined,
    undefined,
    'the procedure catalogue is missing; run npm run procedures:import -- <export folder>',
  );
}

/**
 * The full records of the catalogue in `dir`, read into memory another thread can share (a
 * SharedArrayBuffer): the answer worker (src/channels/answer-worker.ts) reads the same 24 MB
 * instead of a second copy. Throws a ContentError when the file is missing.
 */
export function readRecords(dir: string = DEFAULT_CATALOGUE_DIR): Buffer {
  const file = path.join(dir, CATALOGUE_FILE);
  if (!fs.existsSync(file)) throw missingCatalogue(file);
  const fd = fs.openSync(file, 'r');
  try {
    const records = Buffer.from(new SharedArrayBuffer(fs.fstatSync(fd).size));
    for (let read = 0; read < records.length;) {
      const n = fs.readSync(fd, records, read, records.length - read, read);
      if (n === 0) break; // truncated meanwhile: the size check below says so
      read += n;
    }
    return records;
  } finally {
    fs.closeSync(fd);
  }
}

/** The catalogue in `dir`; `records`: its records file already read (`readRecords`). */
export function loadCatalogue(
  dir: string = DEFAULT_CATALOGUE_DIR,
  records: Buffer = readRecords(dir),
): ProcedureCatalogue {
  const indexFile = path.join(dir, INDEX_FILE);
  const catalogueFile = path.join(dir, CATALOGUE_FILE);
  for (const file of [indexFile, catalogueFile]) if (!fs.existsSync(file)) throw missingCatalogue(file);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
  } catch (err) {
    throw new ContentError(
      indexFile,
      undefined,
      undefined,
      'not valid JSON; run npm run procedures:import again',
      { cause: err },
    );
  }
  const parsed = catalogueIndexSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ContentError(indexFile, undefined, issue.path.map(String).join('.'), issue.message);
  }
  if (records.length !== parsed.data.catalogueBytes)
    throw new ContentError(
      catalogueFile,
      undefined,
      undefined,
      `expected ${parsed.data.catalogueBytes} bytes as ${INDEX_FILE} says, found ${records.length}; the two files come from different imports: run npm run procedures:import again`,
    );
  return new ProcedureCatalogue(
    parsed.data.procedures,
    records,
    parsed.data.source,
    formsDirOf(dir),
    catalogueFile,
  );
}
