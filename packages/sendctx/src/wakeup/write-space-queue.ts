import { WaitQueue } from '@rdmalab/kernel';
import type { WriteSpace } from './write-space.js';

/** The default {@link WriteSpace}: one congested bit and a kernel {@link WaitQueue}. */
export class WriteSpaceQueue implements WriteSpace {
  private bit = false;
  private readonly queue = new WaitQueue();

  wait(waiter: () => void): void {
    this.bit = true;
    this.queue.add(waiter);
  }

  wake(): boolean {
    if (!this.bit) return false;
    this.bit = false;
    this.queue.wakeAll();
    return true;
  }

  get congested(): boolean {
    return this.bit;
  }

  get waiting(): number {
    return this.queue.length;
  }
}
