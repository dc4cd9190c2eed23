/** Debian's Chromium, headless, for the browser tests (no download: `.ci/run` installs it). */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  // This machine has no internet: stop Chromium from trying to reach Google's services.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // The widget test embeds 127.0.0.1 into a page on localhost; Chromium's Local Network
  // Access check would block that loopback-to-loopback case, which a public site never hits.
  '--disable-features=LocalNetworkAccessChecks',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}
