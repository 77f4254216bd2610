import type { TransportClass, TransportRegistry } from './contract.js';
import { TransportError } from './errors.js';

/** The default registry: a name → class map that refuses duplicate names and idents. */
export class TransportClassRegistry implements TransportRegistry {
  private readonly byName = new Map<string, TransportClass>();

  register(transportClass: TransportClass): void {
    if (this.byName.has(transportClass.name)) {
      throw new TransportError('EEXIST', `transport "${transportClass.name}" is already registered`);
    }
    for (const other of this.byName.values()) {
      if (other.ident === transportClass.ident) {
        throw new TransportError(
          'EEXIST',
          `transport ident ${transportClass.ident} is taken by "${other.name}"`,
        );
      }
    }
    this.byName.set(transportClass.name, transportClass);
  }

  unregister(name: string): boolean {
    return this.byName.delete(name);
  }

  get(name: string): TransportClass {
    const found = this.byName.get(name);
    if (found === undefined) {
      const known = [...this.byName.keys()].join(', ') || 'none';
      throw new TransportError('ENOENT', `no transport "${name}" (registered: ${known})`);
    }
    return found;
  }

  getByIdent(ident: number): TransportClass {
    for (const c of this.byName.values()) if (c.ident === ident) return c;
    throw new TransportError('ENOENT', `no transport with ident ${ident}`);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  list(): readonly TransportClass[] {
    return [...this.byName.values()];
  }
}
