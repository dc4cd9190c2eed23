/**
 * `npm run messenger:setup`: sets the page's Get Started button (payload
 * MESSENGER_GET_STARTED_PAYLOAD, answered with the greeting) and a
 * persistent menu with the main topics of content/system.yaml, through
 * POST {MESSENGER_API_BASE}/me/messenger_profile. Needs MESSENGER_PAGE_ACCESS_TOKEN.
 * `--dry-run` prints the request body instead of sending it.
 */
import { ConfigError } from '../src/errors';
import { truncate } from '../src/channels/render';
import { cliBrain, cliConfig, runCli } from './cli-support';

/** Messenger shows at most 20 items per menu level and 30 characters per title. */
const MENU_MAX = 20;
const MENU_TITLE_MAX = 30;

void runCli(async () => {
  const config = cliConfig();
  const dryRun = process.argv.includes('--dry-run');
  const { knowledge } = cliBrain(config);
  const profile = {
    get_started: { payload: config.MESSENGER_GET_STARTED_PAYLOAD },
    persistent_menu: [
      {
        locale: 'default',
        composer_input_disabled: false,
        call_to_actions: knowledge.system.mainTopics.slice(0, MENU_MAX).map((t) => ({
          type: 'postback',
          title: truncate(t.label, MENU_TITLE_MAX),
          payload: t.intent,
        })),
      },
    ],
  };
  if (dryRun) {
    process.stdout.write(`${JSON.stringify(profile, null, 2)}\n`);
    return;
  }
  const token = config.MESSENGER_PAGE_ACCESS_TOKEN;
  if (!token)
    throw new ConfigError(
      'Missing MESSENGER_PAGE_ACCESS_TOKEN: set the page access token in .env (or use --dry-run).',
      'MESSENGER_PAGE_ACCESS_TOKEN',
    );
  const res = await fetch(
    `${config.MESSENGER_API_BASE}/me/messenger_profile?access_token=${encodeURIComponent(token)}`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(profile) },
  );
  const answer = await res.text();
  if (!res.ok) {
    console.error(`Messenger refused the profile (HTTP ${res.status}): ${answer}`);
    process.exit(1);
  }
  console.log(
    `Get Started and a menu of ${profile.persistent_menu[0].call_to_actions.length} topics set: ${answer}`,
  );
});
