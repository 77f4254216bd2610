export { MemoryError, type MemoryErrorCode } from './memory/errors.js';
export { PAGE_SIZE, type Page } from './memory/page.js';
export { PHYSICAL_MEMORY, PhysicalMemory, type PhysicalMemoryOptions } from './memory/physical-memory.js';
export { CLOCK, type Clock, SCHEDULER, type Scheduler, type TimerHandle } from './time/clock.js';
export { SchedulerError, type SchedulerErrorCode } from './time/errors.js';
export { RealScheduler } from './time/real-scheduler.js';
export { VirtualScheduler, type VirtualSchedulerOptions } from './time/virtual-scheduler.js';
