/**
 * An officer's reply to a citizen goes out at most once: a send the platform may have
 * delivered (no answer in time) is reported to the officer, not sent again.
 */
import path from 'node:path';
import { adapterSender } from '../../src/admin/officer-send';
import type { HandoffRow } from '../../src/admin/handoffs';
import { MaybeDeliveredError } from '../../src/channels/http';
import type { ChannelAdapter, OutboundPart } from '../../src/channels/types';
import { ChannelError } from '../../src/errors';
import { silentLogger } from '../../src/logger';
import { fileContacts } from '../../src/privacy/erase';
import { openDatabase } from '../../src/store/db';
import { tempDir } from '../support/app';

const NOW = Date.UTC(2026, 10, 30, 3);

function setup(failures: Error[]) {
  const db = openDatabase(path.join(tempDir(), 'bot.sqlite'));
  db.prepare('INSERT INTO contacts (user_key, channel, platform_user_id) VALUES (?, ?, ?)').run(
    'citizen-key',
    'zalo',
    'zalo-user-1',
  );
  const sent: string[] = [];
  const adapter = {
    name: 'zalo',
    render: (reply: { blocks: { text?: string }[] }) => [
      { text: reply.blocks[0]?.text } as unknown as OutboundPart,
    ],
    send: async (to: { userId: string }) => {
      sent.push(to.userId);
      const failure = failures.shift();
      if (failure) throw failure;
    },
  } as unknown as ChannelAdapter;
  const platformIdOf = async (userKey: string) => fileContacts(db, userKey)[0]?.platform_user_id;
  const sender = adapterSender(platformIdOf, new Map([['zalo', adapter]]), silentLogger(), () => NOW);
  const handoff = { id: 1, channel: 'zalo', user_key: 'citizen-key', ts: NOW - 60_000 } as HandoffRow;
  return { sender, handoff, sent };
}

describe("an officer's reply", () => {
  it('is not sent again when the platform may have delivered it', async () => {
    const t = setup([new MaybeDeliveredError('zalo', 'no answer within 10000 ms: maybe delivered')]);
    const outcome = await t.sender.send(t.handoff, 'Chào anh, tôi là cán bộ phường.', NOW - 60_000);
    expect(t.sent).toHaveLength(1);
    expect(outcome).toEqual({
      status: 'failed',
      detail: expect.stringContaining('maybe delivered; not sent again'),
    });
  });

  it('is tried once more after a transient refusal', async () => {
    const t = setup([new ChannelError('zalo', 'HTTP 503', true)]);
    const outcome = await t.sender.send(t.handoff, 'Chào anh.', NOW - 60_000);
    expect(outcome).toEqual({ status: 'delivered' });
    expect(t.sent).toEqual(['zalo-user-1', 'zalo-user-1']);
  });
});
