/** Limits live with the channels; what the content check uses must be what they declare. */
import { PLATFORM_LIMITS, smallestLimits } from '../../src/channels';
import { BUTTONS_MAX } from '../../src/knowledge/loader';
import { FEEDBACK_BUTTONS } from '../../src/core/payloads';

describe('channel limits', () => {
  it('content is checked against the smallest channel (Zalo: 5 buttons)', () => {
    expect(smallestLimits().buttonsMax).toBe(5);
    expect(BUTTONS_MAX).toBe(smallestLimits().buttonsMax);
  });
  it('every platform leaves room for the feedback buttons under a reply', () => {
    for (const limits of Object.values(PLATFORM_LIMITS))
      expect(limits.buttonsMax).toBeGreaterThan(FEEDBACK_BUTTONS);
  });
});
