/**
 * The Zalo token with several instances on one PostgreSQL (DATABASE_URL): a refresh token is
 * single use, so when every instance finds the token refused at once, exactly one refreshes
 * and the others pick the new pair up from the shared store.
 */
import pino from 'pino';
import { ZaloTokens } from '../../src/channels/zalo/tokens';
import { SharedTokens } from '../../src/store/shared-tokens';
import { openInstances, stopPostgres, type Instances } from '../support/engines';
import { FakePlatform } from '../support/fake-platform';
import { describePostgres } from '../support/postgres';

describePostgres()('the Zalo token shared by three instances', () => {
  let fake: FakePlatform;
  let instances: Instances | undefined;

  beforeAll(async () => {
    fake = await FakePlatform.start();
  });
  afterAll(async () => {
    await instances?.close();
    await fake.close();
    await stopPostgres();
  });

  it('is refreshed by exactly one instance; the others use the new pair', async () => {
    instances = await openInstances('postgres', 3);
    const options = {
      appId: '1234567890123456789',
      appSecret: 'zalo-app-secret',
      accessToken: fake.zalo.accessToken,
      refreshToken: fake.zalo.refreshToken,
      oauthBase: fake.baseUrl,
      timeoutMs: 5_000,
    };
    const keepers = instances.engines.map(
      (engine) => new ZaloTokens(new SharedTokens(engine), options, pino({ level: 'silent' }), Date.now),
    );
    const signal = new AbortController().signal;
    // Every instance starts with the environment's token…
    expect(await Promise.all(keepers.map((k) => k.current(signal)))).toEqual(Array(3).fill('zalo-access-0'));
    // …and Zalo refuses it everywhere at once (-216): one refresh, slow enough to overlap.
    fake.zalo.refreshDelayMs = 200;
    const fresh = await Promise.all(keepers.map((k) => k.refresh('zalo-access-0', signal)));
    expect(fake.zalo.refreshes).toBe(1);
    expect(fresh).toEqual(Array(3).fill('zalo-access-1'));
    // An instance started later reads the stored pair, not the environment's spent one.
    const late = new ZaloTokens(
      new SharedTokens(instances.engines[0]!),
      options,
      pino({ level: 'silent' }),
      Date.now,
    );
    expect(await late.current(signal)).toBe('zalo-access-1');
    expect(fake.requests.filter((r) => r.kind === 'refresh' && r.outcome === 'failed')).toEqual([]);
  });
});
