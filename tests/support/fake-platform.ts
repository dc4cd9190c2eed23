/**
 * One fake of the Zalo, Messenger and Telegram APIs on 127.0.0.1. It records every request
 * and can be told to fail the next sends: a 5xx, a timeout (never answers), the platform's
 * rate-limit answer, an expired/invalid token, or a permanent refusal.
 *
 * It refuses what the real APIs refuse, as they document it, so a test cannot pass against
 * a request the platform would reject:
 *   Telegram  an unknown method → 404 "Not Found" (answerCbQuery is telegraf's wrapper name,
 *             not a method); a wrong bot token → 401; sendMessage without chat_id or with an
 *             empty or over-4,096-character text, or callback_data over 64 bytes → 400.
 *   Zalo      only /v3.0/oa/message/cs (recipient.user_id) and /v2.0/oa/message
 *             (recipient.anonymous_id + conversation_id, no buttons) → else 404; a missing or
 *             wrong access_token → -216; text over 2,000 characters or more than 5 buttons → -201.
 *   Graph     only /me/messages and /me/messenger_profile → else 400 code 2500; no
 *             access_token → 400 code 190; text over 2,000 characters, more than 13 quick
 *             replies or a title over 20 characters → 400 code 100.
 *
 * Zalo tokens behave like the real ones: the access token is checked on every send (-216
 * otherwise) and each refresh token works once, so a double refresh is caught.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Failure = '5xx' | 'timeout' | 'rate-limit' | 'expired-token' | 'permanent';

/** The bot token the fake accepts (tests/channels/helpers.ts configures the adapter with it). */
export const FAKE_TELEGRAM_TOKEN = '7000000001:AAtelegram-token-for-tests';
/** The page token the fake accepts. */
export const FAKE_MESSENGER_TOKEN = 'messenger-page-token-for-tests';

/** Bot API methods the fake knows (the ones this project calls); any other is a 404, as on api.telegram.org. */
const TELEGRAM_METHODS = new Set([
  'sendMessage',
  'answerCallbackQuery',
  'getMe',
  'getUpdates',
  'setWebhook',
  'deleteWebhook',
  'getWebhookInfo',
]);
export type Platform = 'zalo' | 'messenger' | 'telegram';

export interface Recorded {
  platform: Platform | 'unknown';
  /** 'send' for messages, else the operation (refresh, answerCbQuery, setWebhook…). */
  kind: string;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: unknown;
  /** ok: answered with success; failed: answered with an error; held: never answered. */
  outcome: 'ok' | 'failed' | 'held';
}

export class FakePlatform {
  readonly requests: Recorded[] = [];
  readonly zalo = {
    accessToken: 'zalo-access-0',
    refreshToken: 'zalo-refresh-0',
    refreshes: 0,
    refreshDelayMs: 0,
  };
  /** Sends are answered after this many ms (a slow platform: sends stay in flight). */
  sendDelayMs = 0;
  /** Called with each send about to be answered with success, before the answer goes out. */
  onSend?: (record: Recorded) => void;
  /** Called once an answer has been handed to the OS (the bot's socket holds it now). */
  afterAnswer?: (record: Recorded) => void;
  private plan: Failure[] = [];
  private readonly held: http.ServerResponse[] = [];
  private counter = 0;

  private constructor(
    private readonly server: http.Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<FakePlatform> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakePlatform(server, `http://127.0.0.1:${port}`);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => fake.handle(req, res, text));
    });
    return fake;
  }

  /** Every send to a platform fails this way until `recover(platform)` (an outage of one platform). */
  failing = new Map<Platform, Failure>();

  /** Ends a `failing` outage. */
  recover(platform: Platform): void {
    this.failing.delete(platform);
  }

  /** The next sends (any platform) fail in this order; later ones succeed. */
  failNext(...failures: Failure[]): void {
    this.plan.push(...failures);
  }

  /** Sends (kind 'send') answered with success, optionally for one platform. */
  delivered(platform?: Platform): Recorded[] {
    return this.requests.filter(
      (r) => r.kind === 'send' && r.outcome === 'ok' && (!platform || r.platform === platform),
    );
  }

  /** Sends received for one recipient (Zalo user_id, Messenger PSID, Telegram chat_id), any outcome. */
  sendsTo(platform: Platform, recipient: string): Recorded[] {
    return this.sends(platform).filter((r) => recipientOf(r) === recipient);
  }

  sends(platform?: Platform): Recorded[] {
    return this.requests.filter((r) => r.kind === 'send' && (!platform || r.platform === platform));
  }

  /**
   * Waits for an event (a predicate on what the fake has seen). No deadline unless given: a
   * busy machine only makes it later, and jest's timeout is the clock for a regression.
   */
  async waitFor(predicate: () => boolean, timeoutMs = Infinity): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out; requests so far: ${this.describe()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  describe(): string {
    return JSON.stringify(this.requests.map((r) => `${r.platform}:${r.kind}:${r.outcome}`));
  }

  /** The platform goes down: open connections are cut and new ones refused until `comeBack()`. */
  async goDown(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async comeBack(): Promise<void> {
    const port = Number(new URL(this.baseUrl).port);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, text: string): void {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const record: Recorded = {
      platform: 'unknown',
      kind: 'unknown',
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      text,
      body: parseBody(text, req.headers['content-type']),
      outcome: 'ok',
    };
    this.requests.push(record);
    const answer = (status: number, body: unknown, outcome: 'ok' | 'failed' = 'ok') => {
      record.outcome = outcome;
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify(body), () => this.afterAnswer?.(record));
    };

    const telegram = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
    if (url.pathname === '/v3.0/oa/message/cs' || url.pathname === '/v2.0/oa/message') {
      record.platform = 'zalo';
      record.kind = 'send';
      const refusal = zaloRefusal(url.pathname, record.body);
      if (refusal) return answer(200, refusal, 'failed');
    } else if (url.pathname === '/v4/oa/access_token') {
      record.platform = 'zalo';
      record.kind = 'refresh';
      return this.zaloRefresh(record, answer);
    } else if (url.pathname === '/me/messages' || url.pathname === '/me/messenger_profile') {
      record.platform = 'messenger';
      record.kind = url.pathname === '/me/messages' ? 'send' : 'profile';
      if (url.searchParams.get('access_token') !== FAKE_MESSENGER_TOKEN)
        return answer(
          400,
          graphError(190, 'An active access token must be used to query information about the current user.'),
          'failed',
        );
      if (record.kind === 'profile') return answer(200, { result: 'success' });
      const refusal = messengerRefusal(record.body);
      if (refusal) return answer(400, graphError(100, refusal), 'failed');
    } else if (telegram) {
      record.platform = 'telegram';
      const method = telegram[2];
      record.kind = method === 'sendMessage' ? 'send' : method;
      if (telegram[1] !== FAKE_TELEGRAM_TOKEN)
        return answer(401, { ok: false, error_code: 401, description: 'Unauthorized' }, 'failed');
      if (!TELEGRAM_METHODS.has(method))
        return answer(404, { ok: false, error_code: 404, description: 'Not Found' }, 'failed');
      const refusal = telegramRefusal(method, record.body);
      if (refusal)
        return answer(400, { ok: false, error_code: 400, description: `Bad Request: ${refusal}` }, 'failed');
      if (record.kind !== 'send') return answer(200, { ok: true, result: true });
    } else if (url.pathname.startsWith('/me/') || /^\/v\d+\.\d+\/me\//.test(url.pathname)) {
      record.platform = 'messenger';
      return answer(400, graphError(2500, `Unknown path components: ${url.pathname}`), 'failed');
    } else {
      if (url.pathname.includes('/oa/')) record.platform = 'zalo';
      return answer(404, { error: 'unknown path' }, 'failed');
    }

    if (this.sendDelayMs > 0) {
      const delayMs = this.sendDelayMs;
      record.outcome = 'held'; // until answered
      setTimeout(() => this.answerSend(req, res, record, answer), delayMs);
      return;
    }
    this.answerSend(req, res, record, answer);
  }

  private answerSend(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: Recorded,
    answer: (status: number, body: unknown, outcome?: 'ok' | 'failed') => void,
  ): void {
    const failure = (record.platform !== 'unknown' && this.failing.get(record.platform)) || this.plan.shift();
    if (failure === 'timeout') {
      record.outcome = 'held';
      this.held.push(res);
      return;
    }
    if (failure) {
      const [status, body] = failureAnswer(record.platform, failure, this);
      return answer(status, body, 'failed');
    }
    this.onSend?.(record);
    const n = ++this.counter;
    if (record.platform === 'zalo') {
      if (req.headers['access_token'] !== this.zalo.accessToken)
        return answer(200, { error: -216, message: 'Access token is invalid' }, 'failed');
      const b = record.body as { recipient?: { user_id?: string; anonymous_id?: string } };
      return answer(200, {
        error: 0,
        message: 'Success',
        data: { message_id: `zm${n}`, user_id: b.recipient?.user_id ?? b.recipient?.anonymous_id },
      });
    }
    if (record.platform === 'messenger') {
      const b = record.body as { recipient?: { id?: string } };
      return answer(200, { recipient_id: b.recipient?.id, message_id: `m_${n}` });
    }
    const b = record.body as { chat_id?: string; text?: string };
    return answer(200, {
      ok: true,
      result: {
        message_id: n,
        date: 1700000000,
        chat: { id: Number(b.chat_id), type: 'private' },
        text: b.text,
      },
    });
  }

  private zaloRefresh(
    record: Recorded,
    answer: (status: number, body: unknown, outcome?: 'ok' | 'failed') => void,
  ) {
    const form = record.body as Record<string, string>;
    const reply = () => {
      if (form.refresh_token !== this.zalo.refreshToken || form.grant_type !== 'refresh_token')
        return answer(200, { error: -14014, error_name: 'Invalid refresh token' }, 'failed');
      this.zalo.refreshes++;
      this.zalo.accessToken = `zalo-access-${this.zalo.refreshes}`;
      this.zalo.refreshToken = `zalo-refresh-${this.zalo.refreshes}`;
      answer(200, {
        access_token: this.zalo.accessToken,
        refresh_token: this.zalo.refreshToken,
        expires_in: '90000',
      });
    };
    if (this.zalo.refreshDelayMs > 0) setTimeout(reply, this.zalo.refreshDelayMs);
    else reply();
  }
}

export function recipientOf(r: Recorded): string | undefined {
  const body = r.body as {
    recipient?: { user_id?: string; anonymous_id?: string; id?: string };
    chat_id?: string | number;
  };
  if (r.platform === 'zalo') return body.recipient?.user_id ?? body.recipient?.anonymous_id;
  if (r.platform === 'messenger') return body.recipient?.id;
  return body.chat_id === undefined ? undefined : String(body.chat_id);
}

function parseBody(text: string, type: string | undefined): unknown {
  if (type?.includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function failureAnswer(
  platform: Platform | 'unknown',
  failure: Failure,
  fake: FakePlatform,
): [number, unknown] {
  if (platform === 'zalo') {
    switch (failure) {
      case '5xx':
        return [502, { error: 'bad gateway' }];
      case 'rate-limit':
        return [200, { error: -32, message: 'Request limit exceeded' }];
      case 'expired-token':
        // The token really expires: only a refresh brings a valid one.
        fake.zalo.accessToken = `${fake.zalo.accessToken}-expired`;
        return [200, { error: -216, message: 'Access token is invalid' }];
      default:
        return [200, { error: -230, message: 'User has not interacted with the OA in the last 7 days' }];
    }
  }
  if (platform === 'messenger') {
    switch (failure) {
      case '5xx':
        return [
          500,
          { error: { message: 'An unexpected error has occurred.', type: 'OAuthException', code: 2 } },
        ];
      case 'rate-limit':
        return [400, { error: { message: 'Calls to this api have exceeded the rate limit.', code: 613 } }];
      case 'expired-token':
        return [
          400,
          { error: { message: 'Error validating access token', type: 'OAuthException', code: 190 } },
        ];
      default:
        return [
          400,
          {
            error: {
              message: 'This message is sent outside of allowed window.',
              type: 'OAuthException',
              code: 10,
              error_subcode: 2018278,
            },
          },
        ];
    }
  }
  switch (failure) {
    case '5xx':
      return [502, { ok: false, error_code: 502, description: 'Bad Gateway' }];
    case 'rate-limit':
      return [
        429,
        {
          ok: false,
          error_code: 429,
          description: 'Too Many Requests: retry after 1',
          parameters: { retry_after: 1 },
        },
      ];
    case 'expired-token':
      return [401, { ok: false, error_code: 401, description: 'Unauthorized' }];
    default:
      return [403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }];
  }
}

const chars = (text: string) => Array.from(text).length;

/** What Zalo answers a malformed send with (-201 invalid parameter), or undefined. */
function zaloRefusal(path: string, body: unknown): { error: number; message: string } | undefined {
  const b = (typeof body === 'object' && body !== null ? body : {}) as {
    recipient?: { user_id?: unknown; anonymous_id?: unknown; conversation_id?: unknown };
    message?: { text?: unknown; attachment?: { payload?: { buttons?: unknown[] } } };
  };
  const invalid = (message: string) => ({ error: -201, message });
  if (path === '/v3.0/oa/message/cs' && typeof b.recipient?.user_id !== 'string')
    return invalid('recipient.user_id is required');
  if (
    path === '/v2.0/oa/message' &&
    (typeof b.recipient?.anonymous_id !== 'string' || typeof b.recipient?.conversation_id !== 'string')
  )
    return invalid('recipient.anonymous_id and recipient.conversation_id are required');
  const text = b.message?.text;
  if (typeof text !== 'string' || text.length === 0) return invalid('message.text is required');
  if (chars(text) > 2000) return invalid('message.text is longer than 2000 characters');
  const buttons = b.message?.attachment?.payload?.buttons;
  if (buttons && path === '/v2.0/oa/message') return invalid('anonymous messages carry no buttons');
  if (buttons && buttons.length > 5) return invalid('at most 5 buttons');
  return undefined;
}

/** Graph's code-100 message for an invalid /me/messages body, or undefined. */
function messengerRefusal(body: unknown): string | undefined {
  const b = (typeof body === 'object' && body !== null ? body : {}) as {
    recipient?: { id?: unknown };
    message?: { text?: unknown; quick_replies?: { title?: string; payload?: string }[] };
  };
  if (typeof b.recipient?.id !== 'string') return '(#100) The parameter recipient is required';
  const text = b.message?.text;
  if (typeof text !== 'string' || text.length === 0) return '(#100) The parameter message[text] is required';
  if (chars(text) > 2000) return '(#100) Length of param message[text] must be less than or equal to 2000';
  const quick = b.message?.quick_replies ?? [];
  if (quick.length > 13) return '(#100) param message[quick_replies] must have at most 13 items';
  for (const q of quick) {
    if (chars(q.title ?? '') > 20) return '(#100) Title of quick reply must be at most 20 characters';
    if (Buffer.byteLength(q.payload ?? '') > 1000)
      return '(#100) Payload of quick reply must be at most 1000 characters';
  }
  return undefined;
}

/** The Bot API's "Bad Request: …" reason for an invalid call, or undefined. */
function telegramRefusal(method: string, body: unknown): string | undefined {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown> & {
    reply_markup?: { inline_keyboard?: { text?: string; callback_data?: string }[][] };
  };
  if (method === 'answerCallbackQuery' && typeof b.callback_query_id !== 'string')
    return 'query is too old and response timeout expired or query ID is invalid';
  if (method !== 'sendMessage') return undefined;
  if (b.chat_id === undefined) return 'chat not found';
  if (typeof b.text !== 'string' || b.text.trim() === '') return 'message text is empty';
  if (chars(b.text) > 4096) return 'message is too long';
  for (const row of b.reply_markup?.inline_keyboard ?? [])
    for (const button of row) {
      if (!button.text) return 'button text is empty';
      if (
        button.callback_data !== undefined &&
        (Buffer.byteLength(button.callback_data) > 64 || !button.callback_data)
      )
        return 'BUTTON_DATA_INVALID';
    }
  return undefined;
}

function graphError(code: number, message: string) {
  return { error: { message, type: 'OAuthException', code, fbtrace_id: 'AfakeTraceId' } };
}
