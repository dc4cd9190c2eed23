/**
 * The HTTP client of the Zalo and Messenger adapters: a POST on node:http/node:https over
 * keep-alive connections, with a timeout, whose errors never carry the request URL or
 * headers (Messenger's token is in the query string).
 *
 * Not `fetch`: undici's web streams, its AbortController per request (`makeTransferable`,
 * costly in Node 20) and its signal plumbing made each send cost about three times the CPU
 * of this client (`npm run bench:send` measures both). It sends one small body
 * and reads one small answer, so a stream API buys nothing here. Redirects are not followed
 * (the platforms' APIs answer, they do not redirect; fetch turned a 301/302 POST into a GET
 * without the body anyway): a 3xx is returned as is and the callers treat it as an error.
 * No `accept-encoding` is sent, so answers come uncompressed.
 */
import http from 'node:http';
import https from 'node:https';
import { ChannelError } from '../errors';

export interface HttpResponse {
  status: number;
  /** The parsed JSON body, or undefined when it is not JSON. */
  body: unknown;
}

/** Thrown when the pipeline is stopping: the send is abandoned, not failed. */
export class StoppedError extends Error {
  constructor() {
    super('stopping');
    this.name = 'StoppedError';
  }
}

/**
 * The request was sent but no answer came in time: the platform may have delivered the
 * message. Transient, but retried at most once (src/channels/delivery.ts).
 */
export class MaybeDeliveredError extends ChannelError {
  constructor(channel: string, message: string) {
    super(channel, message, true);
    this.name = 'MaybeDeliveredError';
  }
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** The pipeline's stop signal. */
  signal: AbortSignal;
  timeoutMs: number;
  /** Parses the response text (Zalo: keeps big ids exact). */
  parse?: (text: string) => unknown;
}

export async function postJson(
  channel: string,
  url: string,
  body: unknown,
  options: RequestOptions,
): Promise<HttpResponse> {
  return request(channel, url, JSON.stringify(body), 'application/json', options);
}

export async function postForm(
  channel: string,
  url: string,
  form: Record<string, string>,
  options: RequestOptions,
): Promise<HttpResponse> {
  return request(
    channel,
    url,
    new URLSearchParams(form).toString(),
    'application/x-www-form-urlencoded',
    options,
  );
}

/**
 * Runs `fire` once `ms` have passed and the event loop has then read its sockets. A long
 * synchronous turn (the engine answering other citizens on a busy machine) can stall the loop
 * past a send's deadline; the timer then runs before the poll for I/O, and an answer already
 * waiting in the socket would be taken for a silent platform: the part would be sent again as
 * "maybe delivered" and the citizen read it twice. `setImmediate` runs after that poll, so the
 * answer is read first. Returns how to cancel.
 */
function afterPoll(ms: number, fire: () => void): () => void {
  let immediate: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => {
    immediate = setImmediate(fire);
  }, ms);
  return () => {
    clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
  };
}

/**
 * A send's timeout as a signal, for telegraf's client (Telegram's sends): aborts once `ms`
 * have passed and the loop has read its sockets (`afterPoll`). `clear` once the answer is in.
 */
export function answerDeadline(
  ms: number,
  /**
   * Aborts the send too (the queue's stop): followed here (`follow`), where `AbortSignal.any`
   * built a composite signal tracked through weak references for every part sent (~0.03 ms
   * of CPU per reply in a bench:load profile).
   */
  stop?: AbortSignal,
): { signal: AbortSignal; timedOut: () => boolean; clear: () => void } {
  const controller = new AbortController();
  let timedOut = false;
  const cancel = afterPoll(ms, () => {
    timedOut = true;
    controller.abort(new DOMException('no answer in time', 'TimeoutError'));
  });
  const unfollow = stop ? follow(stop, controller) : undefined;
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    clear: () => {
      cancel();
      unfollow?.();
    },
  };
}

/** What a stop signal ends: a Telegram send's AbortController, or a request on the wire here. */
interface Abortable {
  abort(reason?: unknown): void;
}

/** The sends following each stop signal: one listener per signal, however many sends are on the wire. */
const followers = new WeakMap<AbortSignal, Set<Abortable>>();

/** Aborts `target` when `stop` aborts (at once if it has); returns how to stop following. */
function follow(stop: AbortSignal, target: Abortable): () => void {
  if (stop.aborted) {
    target.abort(stop.reason);
    return () => undefined;
  }
  let set = followers.get(stop);
  if (!set) {
    const created = new Set<Abortable>();
    followers.set(stop, (set = created));
    stop.addEventListener('abort', () => {
      for (const t of created) t.abort(stop.reason);
    });
  }
  set.add(target);
  return () => set.delete(target);
}

/**
 * Keep-alive connections, one pool per protocol. The agent unrefs idle sockets (they never
 * keep the process alive) and closes them after IDLE_MS, before servers commonly close theirs
 * (Node's 5 s; undici, used before, also kept 4 s), so a request seldom goes out on a
 * connection the server is closing.
 */
const IDLE_MS = 4000;
const agents = {
  http: new http.Agent({ keepAlive: true, timeout: IDLE_MS }),
  https: new https.Agent({ keepAlive: true, timeout: IDLE_MS }),
};

function request(
  channel: string,
  url: string,
  body: string,
  contentType: string,
  options: RequestOptions,
): Promise<HttpResponse> {
  const stop = options.signal;
  if (stop.aborted) return Promise.reject(new StoppedError());
  return new Promise<HttpResponse>((resolve, reject) => {
    let req: http.ClientRequest | undefined;
    let settled = false;
    const settle = (err: Error | undefined, res?: HttpResponse) => {
      if (settled) return;
      settled = true;
      cancelTimer();
      unfollow();
      if (err) {
        // Closes the connection: the platform sees the request abandoned.
        req?.destroy();
        reject(err);
      } else resolve(res as HttpResponse);
    };
    // Only the error code: Node's messages may include the address, and the URL may hold a token.
    // Nothing built once settled: 'close' follows every answered request too (an error's stack
    // trace, thrown away, for each send).
    const failed = (err: unknown) => {
      if (settled) return;
      settle(
        stop.aborted
          ? new StoppedError()
          : new ChannelError(
              channel,
              `request failed: ${(err as { code?: string } | undefined)?.code ?? 'network error'}`,
              true,
            ),
      );
    };
    const cancelTimer = afterPoll(options.timeoutMs, () =>
      settle(new MaybeDeliveredError(channel, `no answer within ${options.timeoutMs} ms: maybe delivered`)),
    );
    const unfollow = follow(stop, { abort: () => settle(new StoppedError()) });
    try {
      const secure = url.startsWith('https:');
      req = (secure ? https : http).request(url, {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: {
          'content-type': contentType,
          ...options.headers,
          'content-length': Buffer.byteLength(body),
        },
      });
    } catch (err) {
      // A malformed URL or header value: thrown before anything is sent.
      return failed(err);
    }
    req.on('error', failed);
    // A connection closed without an error event and without a complete answer.
    req.on('close', () => failed({ code: 'ECONNRESET' }));
    req.on('response', (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', failed);
      res.on('end', () =>
        settle(undefined, {
          status: res.statusCode ?? 0,
          body: parseBody(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), options.parse),
        }),
      );
    });
    req.end(body);
  });
}

/** Decodes UTF-8 (dropping a byte order mark, as fetch's `text()` did) and parses; not JSON → undefined. */
function parseBody(bytes: Buffer, parse: (text: string) => unknown = JSON.parse): unknown {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return parse(text);
  } catch {
    return undefined;
  }
}
