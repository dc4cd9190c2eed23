/**
 * The Zalo token is seeded into a shared store in the background. When that store fails (the
 * database unreachable, or its pool closed at a stop while the seed was on its way), the
 * process must not end on an unhandled rejection: the configured token is used and the seed
 * is tried again before the next send.
 */
import { ZaloTokens, type TokenKeeping } from '../../src/channels/zalo/tokens';
import { silentLogger } from '../../src/logger';
import type { TokenPair } from '../../src/store/tokens';

describe('the Zalo token seed on a shared store that fails', () => {
  it('is logged and tried again before the next send, never an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const seeds: TokenPair[] = [];
      let failing = true;
      const store: TokenKeeping = {
        seed: async (_channel, pair) => {
          seeds.push(pair);
          if (failing) throw new Error('driver has already been destroyed');
          return { ...pair, accessToken: 'stored-by-another-instance' };
        },
        refresh: () => Promise.reject(new Error('not expected')),
      };
      const tokens = new ZaloTokens(
        store,
        { accessToken: 'configured-token', oauthBase: 'http://127.0.0.1:9', timeoutMs: 1000 },
        silentLogger(),
        Date.now,
      );
      // Let the failed seed settle and Node report any rejection left unhandled.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(unhandled).toEqual([]);
      expect(seeds).toHaveLength(1);

      failing = false;
      const signal = new AbortController().signal;
      await expect(tokens.current(signal)).resolves.toBe('stored-by-another-instance');
      expect(seeds).toHaveLength(2);
      // Seeded once it worked: not again.
      await tokens.current(signal);
      expect(seeds).toHaveLength(2);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
