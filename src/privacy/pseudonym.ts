import crypto from 'node:crypto';

/**
 * The pseudonymous id stored in logs and sessions: HMAC-SHA256 of channel and platform
 * user id under a server secret, so the same citizen is recognised without storing who
 * they are, and the id cannot be reversed without the secret.
 */
export function pseudonymize(secret: string, channel: string, platformUserId: string): string {
  return crypto
    .createHmac('sha256', secret)
    .update(`${channel}:${platformUserId}`)
    .digest('hex')
    .slice(0, 32);
}
