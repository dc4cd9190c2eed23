/**
 * The HTTP client of the Zalo and Messenger adapters: fetch with a timeout, whose errors
 * never carry the request URL or headers (Messenger's token is in the query string).
 */
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
 * A send's timeout that fires only once the event loop has read its sockets after the
 * deadline. A long synchronous turn (the engine answering other citizens on a busy machine)
 * can stall the loop past the deadline; the timer then runs before the poll for I/O, and an
 * answer already waiting in the socket would be taken for a silent platform: the part would
 * be sent again as "maybe delivered" and the citizen read it twice. `setImmediate` runs after
 * that poll, so the answer is read first. `clear` once the answer is in.
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
  let immediate: NodeJS.Immediate | undefined;
  let timedOut = false;
  const timer = setTimeout(() => {
    immediate = setImmediate(() => {
      timedOut = true;
      controller.abort(new DOMException('no answer in time', 'TimeoutError'));
    });
  }, ms);
  const unfollow = stop ? follow(stop, controller) : undefined;
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    clear: () => {
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      unfollow?.();
    },
  };
}

/** The sends following each stop signal: one listener per signal, however many sends are on the wire. */
const followers = new WeakMap<AbortSignal, Set<AbortController>>();

/** Aborts `controller` when `stop` aborts (at once if it has); returns how to stop following. */
function follow(stop: AbortSignal, controller: AbortController): () => void {
  if (stop.aborted) {
    controller.abort(stop.reason);
    return () => undefined;
  }
  let set = followers.get(stop);
  if (!set) {
    const created = new Set<AbortController>();
    followers.set(stop, (set = created));
    stop.addEventListener('abort', () => {
      for (const c of created) c.abort(stop.reason);
    });
  }
  set.add(controller);
  return () => set.delete(controller);
}

async function request(
  channel: string,
  url: string,
  body: string,
  contentType: string,
  options: RequestOptions,
): Promise<HttpResponse> {
  const deadline = answerDeadline(options.timeoutMs, options.signal);
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType, ...options.headers },
      body,
      signal: deadline.signal,
    });
    text = await res.text();
  } catch (err) {
    if (options.signal.aborted) throw new StoppedError();
    if (deadline.timedOut())
      throw new MaybeDeliveredError(channel, `no answer within ${options.timeoutMs} ms: maybe delivered`);
    // Only the error code: undici's messages and causes may include the address.
    const code = (err as { cause?: { code?: string } }).cause?.code ?? 'network error';
    throw new ChannelError(channel, `request failed: ${code}`, true);
  } finally {
    deadline.clear();
  }
  let parsed: unknown;
  try {
    parsed = (options.parse ?? JSON.parse)(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed };
}
