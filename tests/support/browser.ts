/** Chromium, headless, for the browser tests (no download: `.ci/run` installs Debian's when missing). */
import { chromium, type Browser } from 'playwright-core';
import { findChromium } from './chromium';

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

/** Launches the browser findChromium() names; without one, rejects with its one-line hint. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
}
