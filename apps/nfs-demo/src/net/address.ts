import { UsageError } from '../command.js';

/** A host and an optional port from the command line. */
export interface HostPort {
  readonly host: string;
  /** Undefined when the argument named no port. */
  readonly port: number | undefined;
}

/**
 * Parse `ADDR[:PORT]` as given to a flag: `127.0.0.1`, `server:2049`, `[::1]:2049`, or a bare IPv6
 * address (more than one colon, no brackets: no port). Bad input is a UsageError naming the flag.
 */
export function parseHostPort(flag: string, value: string): HostPort {
  const text = value.trim();
  if (text === '') throw new UsageError(`${flag} needs an address, got ""`);
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new UsageError(`${flag}: "${value}" opens "[" without a closing "]"`);
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':'))
      throw new UsageError(`${flag}: unexpected "${rest}" after "]" in "${value}"`);
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colons = text.split(':').length - 1;
    if (colons === 1) {
      const at = text.indexOf(':');
      host = text.slice(0, at);
      portText = text.slice(at + 1);
    } else {
      host = text;
    }
  }
  if (host === '') throw new UsageError(`${flag}: "${value}" has no host before the port`);
  if (/\s/.test(host)) throw new UsageError(`${flag}: host "${host}" contains whitespace`);
  return { host, port: portText === undefined ? undefined : parsePort(flag, portText) };
}

/** A TCP port number, 0–65535 (0: let the system pick, where listening). */
export function parsePort(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag}: port must be a number 0-65535, got "${text}"`);
  const port = Number(text);
  if (port > 65535) throw new UsageError(`${flag}: port must be a number 0-65535, got "${text}"`);
  return port;
}

/** `host:port`, bracketing IPv6 literals. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
