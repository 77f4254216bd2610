/**
 * Stable codes: ENOMEM no free page · EDOUBLEFREE page already free · EFOREIGN page belongs to
 * another PhysicalMemory · EFAULT address range outside memory · EINVAL bad argument.
 */
export type MemoryErrorCode = 'ENOMEM' | 'EDOUBLEFREE' | 'EFOREIGN' | 'EFAULT' | 'EINVAL';

export class MemoryError extends Error {
  override readonly name = 'MemoryError';
  constructor(
    readonly code: MemoryErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
