/**
 * Deleted personal data must be gone from the database FILE, not only from its tables
 * (issue #13, finding 4): after "xóa dữ liệu của tôi" and after retention, the bytes of the
 * .sqlite file and of its write-ahead log are read as they are — the test does not
 * checkpoint first, since that would hide what the WAL still holds.
 */
import fs from 'node:fs';
import { purgeOldText } from '../../src/privacy/retention';
import { Inbox } from '../../src/store/inbox';
import { buildTestApp, chat } from '../support/app';
import { describeSqliteOnly } from '../support/test-engine';

/** Which of `needles` (as UTF-8) appear in the database file or its WAL, as they are on disk now. */
function onDisk(file: string, needles: readonly string[]): string[] {
  const found: string[] = [];
  for (const f of [file, `${file}-wal`]) {
    if (!fs.existsSync(f)) continue;
    const bytes = fs.readFileSync(f);
    for (const needle of needles)
      if (bytes.includes(Buffer.from(needle, 'utf8'))) found.push(`${needle} in ${f}`);
  }
  return found;
}

describeSqliteOnly('reads the bytes of the SQLite file and its WAL')(
  'erased data is gone from the database file and its WAL',
  () => {
    const { app, db, config } = buildTestApp();
    afterAll(() => db.close());

    it('after "xóa dữ liệu của tôi" then "Có"', async () => {
      const rawId = 'web-citizen-raw-id-5f1c9a';
      const text = 'nhà tôi ở ngõ Chim Cánh Cụt làm căn cước ở đâu';
      await chat(app, rawId, { text });
      await chat(app, 'another-citizen', { text: 'làm căn cước ở đâu nhỉ Hồng Hạc' });
      // The bytes are there before the erasure: the test can see them.
      expect(onDisk(config.DATABASE_PATH, ['Chim Cánh Cụt', rawId]).length).toBeGreaterThan(0);

      await chat(app, rawId, { text: 'xóa dữ liệu của tôi' });
      await chat(app, rawId, { payload: '#erase:yes' });

      expect(onDisk(config.DATABASE_PATH, ['Chim Cánh Cụt', rawId])).toEqual([]);
      // The other citizen's data is untouched.
      expect(db.prepare("SELECT count(*) FROM interactions WHERE text LIKE '%Hồng Hạc%'").pluck().get()).toBe(
        1,
      );
    });

    it('after retention deletes old text and old channel events', async () => {
      const text = 'giấy phép nuôi Kỳ Lân Xanh cần gì';
      await chat(app, 'old-citizen', { text });
      // A finished platform event, kept as a dedupe key with its raw sender id.
      const inbox = new Inbox(db);
      const [event] = inbox.insert([
        {
          channel: 'telegram',
          eventId: 'tg-ret-1',
          userId: '5099887766',
          text: 'Kỳ Lân Xanh',
          eventTime: Date.now(),
        },
      ]);
      inbox.finish(event.id, 'delivered');
      expect(onDisk(config.DATABASE_PATH, ['Kỳ Lân Xanh', '5099887766']).length).toBeGreaterThan(0);

      const later = Date.now() + (config.RETENTION_DAYS + 30) * 86_400_000;
      const result = purgeOldText(db, config.RETENTION_DAYS, later);
      expect(result.interactions).toBeGreaterThan(0);
      expect(result.inboxEvents).toBeGreaterThan(0);

      expect(onDisk(config.DATABASE_PATH, ['Kỳ Lân Xanh', '5099887766'])).toEqual([]);
    });
  },
);
