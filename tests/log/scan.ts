/**
 * Helpers that look for personal data anywhere in a test database: the SQLite file (`allCells`,
 * `rawBytesContaining`) or the store the app runs on, either engine (`storeCells`).
 */
import fs from 'node:fs';
import { CompiledQuery } from 'kysely';
import type { Db } from '../../src/store/db';
import type { Store } from '../../src/store/store';

/** Personal data a citizen might type, and the digit/e-mail forms that must never be stored. */
export const SECRETS = {
  cccd: '001234567890',
  cmnd: '123456789',
  phone: '0912 345 678',
  intlPhone: '+84912345678',
  email: 'nguyen.van.a@example.com',
};

/** Messages a citizen might send with SECRETS in them; the last one also asks for an officer. */
export const PERSONAL_MESSAGES = [
  `số căn cước của tôi là ${SECRETS.cccd} bị mất`,
  `CMND cũ ${SECRETS.cmnd} còn dùng được không`,
  `gọi lại cho tôi số ${SECRETS.phone} nhé`,
  `hoặc ${SECRETS.intlPhone}`,
  `gửi vào email ${SECRETS.email} giúp tôi`,
  `cccd ${SECRETS.cccd}, sđt ${SECRETS.phone}, mail ${SECRETS.email}, gặp cán bộ`,
];

/** Which of SECRETS (in any spacing) a stored value contains. */
export function forbiddenIn(value: string): string[] {
  const digits = value.replace(/[\s.()-]/g, '');
  const found: string[] = [];
  if (digits.includes('001234567890')) found.push('12-digit ID');
  if (digits.includes('123456789')) found.push('9-digit ID');
  if (digits.includes('912345678')) found.push('phone');
  if (/nguyen\.?van|example\.com|example com/i.test(value)) found.push('e-mail');
  return found;
}

export function tableNames(db: Db): string[] {
  return db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
}

/** Every non-null cell of every table, as "table.column" and its value turned into text. */
export function allCells(db: Db): { where: string; value: string }[] {
  const cells: { where: string; value: string }[] = [];
  for (const table of tableNames(db))
    for (const row of db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[])
      for (const [column, value] of Object.entries(row))
        if (value !== null && value !== undefined)
          cells.push({ where: `${table}.${column}`, value: String(value) });
  return cells;
}

/** Cells holding any of `needles`, as "table.column: value". */
export function cellsContaining(db: Db, needles: readonly string[]): string[] {
  return allCells(db)
    .filter((c) => needles.some((n) => c.value.includes(n)))
    .map((c) => `${c.where}: ${c.value.slice(0, 80)}`);
}

/** Raw strings found in the database file and its WAL after a truncating checkpoint. */
export function rawBytesContaining(db: Db, file: string, needles: readonly string[]): string[] {
  db.pragma('wal_checkpoint(TRUNCATE)');
  const found: string[] = [];
  for (const f of [file, `${file}-wal`]) {
    if (!fs.existsSync(f)) continue;
    const bytes = fs.readFileSync(f).toString('latin1');
    for (const raw of needles) if (bytes.includes(raw)) found.push(`${raw} in ${f}`);
  }
  return found;
}

/** The SQLite file, and with DATABASE_URL the PostgreSQL store the app runs on. */
export interface StoreInUse {
  db: Db;
  store?: Store;
}

/**
 * Every non-null cell of every table of the store in use, as `allCells`: the SQLite file's
 * tables, and with DATABASE_URL every table of the app's PostgreSQL database too (read by
 * the catalogue, not from a list, so a table added later is scanned as well). A PostgreSQL
 * value that is not text (JSON, bytes, a date) is scanned in its text form.
 */
export async function storeCells(source: StoreInUse): Promise<{ where: string; value: string }[]> {
  const cells = allCells(source.db).map((c) => ({ ...c, where: `file:${c.where}` }));
  if (source.store?.kind !== 'postgres') return cells;
  const db = source.store.engine.db;
  const tables = await db.executeQuery<{ tablename: string }>(
    CompiledQuery.raw('SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1'),
  );
  for (const { tablename } of tables.rows) {
    const rows = await db.executeQuery<Record<string, unknown>>(
      CompiledQuery.raw(`SELECT * FROM "${tablename}"`),
    );
    for (const row of rows.rows)
      for (const [column, value] of Object.entries(row))
        if (value !== null && value !== undefined)
          cells.push({ where: `postgres:${tablename}.${column}`, value: asText(value) });
  }
  return cells;
}

function asText(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Cells of the store in use holding any of `needles`, as "engine:table.column: value". */
export async function storeCellsContaining(
  source: StoreInUse,
  needles: readonly string[],
): Promise<string[]> {
  return (await storeCells(source))
    .filter((c) => needles.some((n) => c.value.includes(n)))
    .map((c) => `${c.where}: ${c.value.slice(0, 80)}`);
}

/** The tables of the store in use holding any of `needles` ("interactions", without the engine). */
export async function tablesContaining(source: StoreInUse, needles: readonly string[]): Promise<string[]> {
  const found = (await storeCellsContaining(source, needles)).map(
    (c) => c.replace(/^\w+:/, '').split('.')[0]!,
  );
  return [...new Set(found)];
}
