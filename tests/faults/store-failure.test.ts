/**
 * A webhook whose events cannot be stored (disk full, a corrupt file) must not be answered
 * 200: the platform would consider it delivered and the citizen's message would be lost.
 * It gets a 500, so the platform sends it again; once storing works, the repeat is stored
 * and answered once.
 */
import request from 'supertest';
import { useChannelApp, LOAD_SECRETS } from '../channels/helpers';
import { LOAD_CHANNELS, signedCall } from '../support/webhook-load';
import { failInserts, stopFailingInserts } from '../support/rows';

describe('events that cannot be stored', () => {
  const bot = useChannelApp();

  it.each(LOAD_CHANNELS.map((channel, n) => [channel, n]))(
    '%s: answered 500 while storing fails, then stored and answered once when it is sent again',
    async (_channel, n) => {
      const call = signedCall(n, 'store', 'làm căn cước ở đâu', LOAD_SECRETS);
      const post = () => request(bot.app).post(call.path).set(call.headers).send(call.body);
      await failInserts(bot, 'channel_inbox');

      const refused = await post();
      expect(refused.status).toBe(500);
      expect(JSON.stringify(refused.body)).not.toContain('disk full');
      expect(await bot.inbox()).toHaveLength(0);

      await stopFailingInserts(bot, 'channel_inbox');
      expect((await post()).status).toBe(200);
      await bot.channels.delivery.idle();
      expect((await bot.inbox()).map((row) => row.state)).toEqual(['delivered']);
      expect(bot.respond).toHaveBeenCalledTimes(1);
    },
  );
});
