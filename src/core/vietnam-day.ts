/**
 * Vietnam days: every day boundary (reports, rollups, erasure of rolled-up counts, the
 * dashboard's date ranges) is a calendar day in Vietnam, UTC+7 with no daylight saving.
 * Written once here so SQL and JavaScript can never disagree about when a day starts.
 */

/** Vietnam's offset from UTC in milliseconds. */
export const VN_OFFSET_MS = 7 * 3_600_000;

/** SQL expression: the Vietnam day (YYYY-MM-DD) of a millisecond timestamp column. */
export function vietnamDaySql(column: string): string {
  return `strftime('%Y-%m-%d', ${column} / 1000 + ${VN_OFFSET_MS / 1000}, 'unixepoch')`;
}

/** The Vietnam day (YYYY-MM-DD) of a millisecond timestamp. */
export function vietnamDay(ms: number): string {
  return new Date(ms + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant (ms) a Vietnam day (YYYY-MM-DD) starts; NaN for a malformed day. */
export function vietnamDayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) - VN_OFFSET_MS;
}
