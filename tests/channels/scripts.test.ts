import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { FakePlatform } from '../support/fake-platform';
import { channelEnv, SECRETS } from './helpers';

const run = promisify(execFile);
const TSX = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');

describe('setup scripts', () => {
  let fake: FakePlatform;
  beforeEach(async () => {
    fake = await FakePlatform.start();
  });
  afterEach(() => fake.close());

  it('messenger:setup sets Get Started (MESSENGER_GET_STARTED_PAYLOAD) and a menu of the main topics', async () => {
    const { stdout } = await run(TSX, ['scripts/messenger-setup.ts'], {
      env: { ...process.env, ...channelEnv(fake) },
    });
    expect(stdout).toMatch(/Get Started and a menu of \d+ topics set/);
    const [req] = fake.requests.filter((r) => r.kind === 'profile');
    expect(req.query.get('access_token')).toBe(SECRETS.messengerPageToken);
    const body = req.body as {
      get_started: { payload: string };
      persistent_menu: {
        locale: string;
        call_to_actions: { type: string; title: string; payload: string }[];
      }[];
    };
    expect(body.get_started).toEqual({ payload: 'GET_STARTED' });
    expect(body.persistent_menu[0].locale).toBe('default');
    const actions = body.persistent_menu[0].call_to_actions;
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.map((a) => a.payload)).toContain('handoff');
    for (const a of actions) expect(a.type).toBe('postback');
  });

  it('telegram:webhook registers the https webhook with the secret token', async () => {
    const env = { ...process.env, ...channelEnv(fake), PUBLIC_BASE_URL: 'https://bot.example.gov.vn/' };
    const { stdout } = await run(TSX, ['scripts/telegram-webhook.ts'], { env });
    expect(stdout).toContain('https://bot.example.gov.vn/webhooks/telegram');
    const [req] = fake.requests.filter((r) => r.kind === 'setWebhook');
    expect(req.path).toBe(`/bot${SECRETS.telegramToken}/setWebhook`);
    expect(req.body).toMatchObject({
      url: 'https://bot.example.gov.vn/webhooks/telegram',
      secret_token: SECRETS.telegramWebhookSecret,
    });
  });

  it('telegram:webhook refuses a plain-http public address with a clear message', async () => {
    const env = { ...process.env, ...channelEnv(fake), PUBLIC_BASE_URL: 'http://localhost:3000' };
    await expect(run(TSX, ['scripts/telegram-webhook.ts'], { env })).rejects.toMatchObject({
      stderr: expect.stringContaining('Invalid PUBLIC_BASE_URL: Telegram only posts to https'),
    });
    expect(fake.requests).toHaveLength(0);
  });
});
