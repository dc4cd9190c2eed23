/**
 * Signed webhook calls for load and fault tests: one citizen and one message id per call,
 * rotating Zalo, Messenger and Telegram, in each platform's real payload shape; and the
 * exactly-once check of a finished run against the SQLite file and the fake platform.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { selectRowsAt } from './rows';

export type LoadChannel = 'zalo' | 'messenger' | 'telegram';
export const LOAD_CHANNELS: LoadChannel[] = ['zalo', 'messenger', 'telegram'];

export interface LoadSecrets {
  zaloAppId: string;
  zaloOaSecretKey: string;
  messengerAppSecret: string;
  telegramWebhookSecret: string;
}

export interface SignedCall {
  channel: LoadChannel;
  /** The platform user id the reply goes to; unique per call. */
  recipient: string;
  /** The platform message id (the dedupe key); unique per call. */
  eventId: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Real citizens' questions, from the held-out NLU set. */
export function heldOutTexts(): string[] {
  const file = path.join(__dirname, '..', 'fixtures', 'nlu', 'heldout.jsonl');
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => (JSON.parse(line) as { text: string }).text);
}

/**
 * Call number `n` (channel n mod 3); `tag` keeps ids of different runs apart. `citizen`: the
 * sender's number (default `n`, one citizen per call), so several calls may share a sender.
 */
export function signedCall(
  n: number,
  tag: string,
  text: string,
  secrets: LoadSecrets,
  citizen = n,
): SignedCall {
  const channel = LOAD_CHANNELS[n % 3];
  const now = Date.now();
  if (channel === 'zalo') {
    // 19-digit ids, sent as bare JSON numbers as Zalo does (beyond 2^53: must stay exact).
    const recipient = `24684588${String(citizen).padStart(11, '0')}`;
    const eventId = `z${tag}x${n}`;
    const timestamp = String(now);
    const body = JSON.stringify({
      app_id: secrets.zaloAppId,
      user_id_by_app: '5522118046321097851',
      event_name: 'user_send_text',
      timestamp,
      sender: { id: 0 },
      recipient: { id: '579745863508352884' },
      message: { text, msg_id: eventId },
    }).replace('"sender":{"id":0}', `"sender":{"id":${recipient}}`);
    const mac = crypto
      .createHash('sha256')
      .update(secrets.zaloAppId + body + timestamp + secrets.zaloOaSecretKey)
      .digest('hex');
    return {
      channel,
      recipient,
      eventId,
      path: '/webhooks/zalo',
      headers: { 'content-type': 'application/json', 'x-zevent-signature': `mac=${mac}` },
      body,
    };
  }
  if (channel === 'messenger') {
    const recipient = `69${String(citizen).padStart(14, '0')}`;
    const eventId = `m_${tag}_${n}`;
    const body = JSON.stringify({
      object: 'page',
      entry: [
        {
          id: '106385024219345',
          time: now,
          messaging: [
            {
              sender: { id: recipient },
              recipient: { id: '106385024219345' },
              timestamp: now,
              message: { mid: eventId, text },
            },
          ],
        },
      ],
    });
    const sig = crypto.createHmac('sha256', secrets.messengerAppSecret).update(body).digest('hex');
    return {
      channel,
      recipient,
      eventId,
      path: '/webhooks/messenger',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${sig}` },
      body,
    };
  }
  const chatId = 5_000_000_000 + citizen;
  const updateId = 100_000_000 + n;
  const body = JSON.stringify({
    update_id: updateId,
    message: {
      message_id: n,
      from: { id: chatId, is_bot: false, first_name: 'An', language_code: 'vi' },
      chat: { id: chatId, first_name: 'An', type: 'private' },
      date: Math.floor(now / 1000),
      text,
    },
  });
  return {
    channel,
    recipient: String(chatId),
    // Telegram messages dedupe on chat + message id (an edit shares its original's key).
    eventId: `msg:${chatId}:${n}`,
    path: '/webhooks/telegram',
    headers: {
      'content-type': 'application/json',
      'x-telegram-bot-api-secret-token': secrets.telegramWebhookSecret,
    },
    body,
  };
}

export interface ExactlyOnce {
  /** Inbox rows (accepted events). */
  stored: number;
  /** Accepted (200) calls missing from the inbox. */
  lost: string[];
  /** Events not in the delivered state. */
  notDelivered: string[];
  /** Events without exactly one interaction row. */
  loggedWrongly: string[];
  /** Events whose recipient did not receive exactly the parts the server recorded as sent. */
  partsMismatch: string[];
}

/** A `channel_inbox` row as the exactly-once check reads it. */
export interface InboxOutcome {
  channel: string;
  event_id: string;
  user_id: string;
  state: string;
  parts_sent: number;
}

/**
 * Checks accepted = logged = delivered on the SQLite file: `received` maps
 * `channel:recipient` to the send calls the platform got for that recipient (one message
 * per recipient in these runs).
 */
export function checkExactlyOnce(
  dbPath: string,
  accepted: readonly SignedCall[],
  received: (channel: LoadChannel, recipient: string) => number,
): ExactlyOnce {
  const db = new Database(dbPath, { readonly: true });
  try {
    const inbox = db
      .prepare('SELECT channel, event_id, user_id, state, parts_sent FROM channel_inbox')
      .all() as InboxOutcome[];
    return checkOutcomes(inbox, [loggedCounts(db)], accepted, received);
  } finally {
    db.close();
  }
}

/**
 * `checkExactlyOnce` on the store the server runs on, wherever it lives: the SQLite file, or in
 * the PostgreSQL pass of `npm test` the database that goes with it (tests/support/rows.ts).
 */
export async function checkExactlyOnceAt(
  dbPath: string,
  accepted: readonly SignedCall[],
  received: (channel: LoadChannel, recipient: string) => number,
): Promise<ExactlyOnce> {
  const inbox = await selectRowsAt<InboxOutcome>(
    dbPath,
    'SELECT channel, event_id, user_id, state, parts_sent FROM channel_inbox',
  );
  const logged = await selectRowsAt<{ channel: string; message_id: string; n: number }>(
    dbPath,
    "SELECT channel, message_id, count(*) AS n FROM interactions WHERE channel != 'web' GROUP BY channel, message_id",
  );
  const counts = new Map(logged.map((r) => [`${r.channel}:${r.message_id}`, r.n]));
  return checkOutcomes(inbox, [counts], accepted, received);
}

/** Interaction rows per `channel:message_id` in one SQLite file (platform channels only). */
export function loggedCounts(db: Database.Database): Map<string, number> {
  const rows = db
    .prepare(
      "SELECT channel, message_id, count(*) AS n FROM interactions WHERE channel != 'web' GROUP BY channel, message_id",
    )
    .all() as { channel: string; message_id: string; n: number }[];
  return new Map(rows.map((r) => [`${r.channel}:${r.message_id}`, r.n]));
}

/**
 * The same check on rows read from any store, with the interaction counts of every file
 * that logs (several instances on PostgreSQL each log to their own file, for now).
 */
export function checkOutcomes(
  inbox: readonly InboxOutcome[],
  logs: readonly Map<string, number>[],
  accepted: readonly SignedCall[],
  received: (channel: LoadChannel, recipient: string) => number,
): ExactlyOnce {
  const logged = (k: string) => logs.reduce((n, log) => n + (log.get(k) ?? 0), 0);
  const recipients = new Set(inbox.map((r) => `${r.channel}:${r.user_id}`));
  const key = (r: { channel: string; event_id: string }) => `${r.channel}:${r.event_id}`;
  return {
    stored: inbox.length,
    // By recipient (unique per call): personal event ids are stored as keyed hashes.
    lost: accepted.map((c) => `${c.channel}:${c.recipient}`).filter((k) => !recipients.has(k)),
    notDelivered: inbox.filter((r) => r.state !== 'delivered').map(key),
    loggedWrongly: inbox.filter((r) => logged(key(r)) !== 1).map(key),
    partsMismatch: inbox
      .filter((r) => r.parts_sent === 0 || received(r.channel as LoadChannel, r.user_id) !== r.parts_sent)
      .map(key),
  };
}
