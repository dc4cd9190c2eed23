/**
 * The procedure catalogue: the national portal's official records (and the procedures known
 * only from its index), as zod schemas with their types beside them. The import validates
 * every record with these schemas before writing, and the server validates the file again
 * when it loads it, so a hand-edited catalogue can never be served half-valid.
 */
import { z } from 'zod';

/**
 * A national procedure code as the portal writes it: "1.001193", "2.000986", and a few odd
 * ones the index really holds ("1.0133611", "1.014955-Xoa").
 */
export const PROCEDURE_CODE = /^\d\.\d{6,}(?:-[A-Za-z]+)?$/;
export const procedureCodeSchema = z
  .string()
  .regex(PROCEDURE_CODE, 'expected a procedure code such as 1.001193 (digit, dot, six digits)');

/** Text the portal left empty ("Không có thông tin") is null, never an empty string. */
const text = z.string().min(1).nullable();

/** One way of filing: a row of the record's "Cách thức thực hiện" table. */
export const filingMethodSchema = z
  .object({
    /** "Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính". */
    method: z.string().min(1),
    /** The official processing time as written ("5 ngày làm việc"); null when unstated. */
    time: text,
    /** The fee cell; the July 2026 export states none, so this is null there. */
    fee: text,
    /** The description cell, often a longer statement of the time or the address. */
    description: text,
  })
  .strict();
export type FilingMethod = z.infer<typeof filingMethodSchema>;

/** An attached form (tờ khai): its name, and the file in data/procedures/forms when exported. */
export const formRefSchema = z
  .object({
    name: z.string().min(1),
    /** Path under data/procedures/forms/ ("1.000797/TO KHAI….docx"); null: known by name only. */
    file: z.string().min(1).nullable(),
  })
  .strict();
export type FormRef = z.infer<typeof formRefSchema>;

export const documentItemSchema = z
  .object({
    name: z.string().min(1),
    /** Number of originals (bản chính) and copies (bản sao) to bring. */
    originals: z.number().int().min(0),
    copies: z.number().int().min(0),
    form: formRefSchema.nullable(),
  })
  .strict();
export type DocumentItem = z.infer<typeof documentItemSchema>;

/** A group of the dossier: "Giấy tờ phải nộp", "Giấy tờ phải xuất trình", "Lưu ý", a case… */
export const documentGroupSchema = z
  .object({
    /** The group heading without its markdown ("Giấy tờ phải nộp"); null for an unnamed table. */
    heading: text,
    items: z.array(documentItemSchema),
  })
  .strict();
export type DocumentGroup = z.infer<typeof documentGroupSchema>;

export const legalBasisSchema = z.object({ title: z.string().min(1), number: text }).strict();
export type LegalBasis = z.infer<typeof legalBasisSchema>;

/** The commune level, as `Cấp thực hiện` writes it. */
export const COMMUNE_LEVEL = 'Cấp xã';

export const procedureSchema = z
  .object({
    code: procedureCodeSchema,
    name: z.string().min(1),
    /** `Cấp thực hiện`: "Cấp xã", "Cấp tỉnh", "Cấp bộ/ngành", "Cơ quan khác". */
    levels: z.array(z.string().min(1)),
    field: text,
    kind: text,
    /** The decision that published the procedure (`Số quyết định`), e.g. "163/QĐ-BTP". */
    decision: text,
    /** index.csv `Cơ quan ban hành`: a ministry for national versions, "UBND tỉnh …" for local ones. */
    issuer: text,
    subjects: text,
    /** `Cơ quan có thẩm quyền`, `Cơ quan thực hiện` (or index.csv's), `Địa chỉ tiếp nhận HS`. */
    authority: text,
    agencies: text,
    receivingAddress: text,
    delegated: text,
    coordinating: text,
    /** The portal page of the procedure. */
    url: z.url().nullable(),
    related: text,
    steps: text,
    methods: z.array(filingMethodSchema),
    /** The documents as one paragraph, when the portal gave no table (some older records). */
    documentsText: text,
    documents: z.array(documentGroupSchema),
    requirements: text,
    results: z.array(z.string().min(1)),
    legal: z.array(legalBasisSchema),
    keywords: text,
    description: text,
    /** Files in data/procedures/forms/<code>/, whether or not a document row links them. */
    forms: z.array(formRefSchema),
    /** False for a procedure known only from index.csv: name, agency, field and link. */
    detailed: z.boolean(),
  })
  .strict();
export type Procedure = z.infer<typeof procedureSchema>;

/**
 * What the ranking needs of a procedure, kept in memory for all of them; the full record is
 * read from catalogue.jsonl (at `offset`, `length` bytes) only when a reply needs it.
 */
export const procedureSummarySchema = procedureSchema
  .pick({
    code: true,
    name: true,
    levels: true,
    field: true,
    issuer: true,
    agencies: true,
    keywords: true,
    url: true,
    detailed: true,
  })
  .extend({ offset: z.number().int().min(0), length: z.number().int().min(1) })
  .strict();
export type ProcedureSummary = z.infer<typeof procedureSummarySchema>;

/** data/procedures/index.json: where the catalogue came from, and every procedure's summary. */
export const catalogueIndexSchema = z
  .object({
    format: z.literal(1),
    /** What the import read, e.g. "dichvucong.gov.vn export: 2104 records, …". */
    source: z.string().min(1),
    /** The size of catalogue.jsonl: a different size means the two files do not belong together. */
    catalogueBytes: z.number().int().min(0),
    procedures: z.array(procedureSummarySchema),
  })
  .strict();
export type CatalogueIndex = z.infer<typeof catalogueIndexSchema>;

const isoDate = z.iso.date({ error: 'expected a date written YYYY-MM-DD' });

/** A fee an editor states, always with the document that sets it. */
export const editorFeeSchema = z
  .object({
    text: z.string().trim().min(1, 'expected the fee as a citizen should read it'),
    source: z
      .string({ error: 'expected the document that sets this fee, e.g. "Thông tư 85/2019/TT-BTC, Điều 5"' })
      .trim()
      .min(1, 'expected the document that sets this fee, e.g. "Thông tư 85/2019/TT-BTC, Điều 5"'),
  })
  .strict();
export type EditorFee = z.infer<typeof editorFeeSchema>;

/** The front matter of content/procedures/<code>.md: what editors add to a record. */
export const procedureFrontMatterSchema = z
  .object({
    code: procedureCodeSchema,
    /** A shorter display title than the portal's name. */
    title: z.string().trim().min(1).optional(),
    /** The names citizens use ("làm giấy khai sinh"), matched on the normalised message. */
    aliases: z.array(z.string().trim().min(1, 'expected a non-empty alias')).default([]),
    fees: z.array(editorFeeSchema).default([]),
    notes: z.array(z.string().trim().min(1)).default([]),
    /** Hides the procedure from the bot (e.g. not handled in this province). */
    hidden: z.boolean().default(false),
    reviewed: isoDate,
    needs_review: z.boolean().default(false),
  })
  .strict();
export type ProcedureFrontMatter = z.infer<typeof procedureFrontMatterSchema>;
