/**
 * The delivery queue's waiting jobs (`JobQueue`): order, holes left by jobs taken from further
 * on, and the count per channel the delivery queue's scan stops on.
 */
import { JobQueue, type Job } from '../../src/channels/job-queue';

const job = (id: number, channel: string): Job => ({ id, key: `${channel}:${id}`, channel });
const ids = (queue: JobQueue) =>
  Array.from({ length: queue.span }, (_, i) => queue.at(i)?.id).filter((id) => id !== undefined);

describe('the jobs waiting for a worker', () => {
  it('keeps them in order, taken from the front or from further on, with a job put back first', () => {
    const queue = new JobQueue();
    for (let i = 1; i <= 5; i++) queue.push(job(i, i % 2 ? 'zalo' : 'telegram'));
    queue.remove(2); // job 3, from further on: a hole
    queue.remove(0); // job 1: the head moves past it
    expect(ids(queue)).toEqual([2, 4, 5]);
    queue.unshift(job(9, 'zalo'));
    expect(ids(queue)).toEqual([9, 2, 4, 5]);
    expect(queue.length).toBe(4);
  });

  it('counts the jobs waiting per channel through every change', () => {
    const queue = new JobQueue();
    for (let i = 1; i <= 6; i++) queue.push(job(i, ['zalo', 'messenger', 'telegram'][i % 3]));
    expect(Object.fromEntries(queue.channels())).toEqual({ messenger: 2, telegram: 2, zalo: 2 });
    queue.remove(1); // job 2 (telegram)
    queue.remove(0); // job 1 (messenger)
    queue.remove(2); // job 5 (telegram): none left
    expect(queue.waitingIn('telegram')).toBe(0);
    expect(Object.fromEntries(queue.channels())).toEqual({ messenger: 1, zalo: 2 });
    queue.unshift(job(7, 'telegram'));
    expect(queue.waitingIn('telegram')).toBe(1);
    queue.clear();
    expect([...queue.channels()]).toEqual([]);
    expect(queue.length).toBe(0);
  });

  it('still counts right after the holes are compacted away', () => {
    const queue = new JobQueue();
    queue.push(job(0, 'zalo')); // stays at the head: every other job is taken from further on
    for (let i = 1; i <= 3000; i++) queue.push(job(i, 'telegram'));
    for (let taken = 0; taken < 2000; taken++) {
      let index = 1;
      while (queue.at(index) === undefined) index++;
      queue.remove(index);
    }
    expect(queue.span).toBeLessThan(2000); // compacted
    expect(queue.waitingIn('telegram')).toBe(1000);
    expect(queue.waitingIn('zalo')).toBe(1);
    expect(ids(queue).slice(0, 3)).toEqual([0, 2001, 2002]);
  });
});
