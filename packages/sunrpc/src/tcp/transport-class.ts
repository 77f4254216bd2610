import {
  type ClientTransport,
  type ClientTransportArgs,
  type ServerTransport,
  type ServerTransportArgs,
  type TransportClass,
  XPRT_TRANSPORT_TCP,
} from '../transport/contract.js';
import { TcpClientTransport } from './client-transport.js';
import { DEFAULT_TCP_OPTIONS, type TcpTransportOptions } from './options.js';
import { TcpServerTransport } from './server-transport.js';

/** The "tcp" transport class for the transport switch. */
export class TcpTransportClass implements TransportClass {
  readonly name = 'tcp';
  readonly ident = XPRT_TRANSPORT_TCP;
  readonly netid = 'tcp';
  readonly options: TcpTransportOptions;

  constructor(options: Partial<TcpTransportOptions> = {}) {
    this.options = { ...DEFAULT_TCP_OPTIONS, ...options };
  }

  createClient(args: ClientTransportArgs): ClientTransport {
    return new TcpClientTransport(args, this.options);
  }

  createServer(args: ServerTransportArgs): ServerTransport {
    return new TcpServerTransport(args, this.options);
  }
}
