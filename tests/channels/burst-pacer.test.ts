/**
 * The reply floor of several instances sharing one machine (`BurstPacer`, machine-aware):
 * together they keep about the floor one instance alone keeps, instead of each a whole one.
 */
import { sharedReplyFloor } from '../../src/channels/burst-pacer';

describe('the reply floor during a burst, machine-aware', () => {
  it('is the whole floor for a process alone on its busy cores', () => {
    expect(sharedReplyFloor(1.2, 1.2)).toBeCloseTo(0.05);
    // os.cpus() counts in ticks: a window may show this process above the machine's count.
    expect(sharedReplyFloor(1.3, 1.2)).toBeCloseTo(0.05);
  });

  it('is shared by the instances on one machine in proportion to their CPU', () => {
    const each = sharedReplyFloor(0.9, 2);
    expect(each).toBeCloseTo(0.0225);
    // Two instances, the database and the load: together about one instance's floor.
    expect(2 * each).toBeLessThan(0.05);
    expect(sharedReplyFloor(0.5, 2) + sharedReplyFloor(1.5, 2)).toBeCloseTo(0.05);
  });

  it('keeps the whole floor when a window says nothing', () => {
    expect(sharedReplyFloor(0, 1.5)).toBeCloseTo(0.05);
    expect(sharedReplyFloor(1, 0)).toBeCloseTo(0.05);
    expect(sharedReplyFloor(Number.NaN, 1)).toBeCloseTo(0.05);
  });
});
