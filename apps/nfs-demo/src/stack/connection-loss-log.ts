import type {
  ClientTransport,
  ClientTransportArgs,
  ClientTransportEvents,
  ServerTransport,
  ServerTransportArgs,
  TransportClass,
  TransportError,
} from '@rdmalab/sunrpc';

/**
 * Remembers why the client transports of a class lost their connections (e.g. xprtrdma's
 * "connection lost (send completion RETRY_EXC_ERR)"), so a command whose RPC then timed out can
 * say what happened underneath. The RPC layer reconnects and retransmits on its own; this only
 * listens to the transports' disconnect events on their way to it.
 */
export class ConnectionLossLog {
  readonly losses: TransportError[] = [];

  /** The class `cls` with every client transport it makes reporting its disconnects here. */
  watch(cls: TransportClass): TransportClass {
    return {
      name: cls.name,
      ident: cls.ident,
      netid: cls.netid,
      createClient: (args: ClientTransportArgs) => this.watchTransport(cls.createClient(args)),
      createServer: (args: ServerTransportArgs): ServerTransport => cls.createServer(args),
    };
  }

  /** The latest loss, if any. */
  get last(): TransportError | undefined {
    return this.losses.at(-1);
  }

  /**
   * The transport unchanged but for `attach`, whose events get onDisconnect observed. Proxies, so
   * whatever else the transport or the events carry (now or in later contract versions) passes
   * through as is; methods run with the real object as `this` (private fields).
   */
  private watchTransport(transport: ClientTransport): ClientTransport {
    const log = this.losses;
    const watchEvents = (events: ClientTransportEvents): ClientTransportEvents =>
      new Proxy(events, {
        get(target, prop) {
          if (prop === 'onDisconnect') {
            return (error: TransportError) => {
              log.push(error);
              target.onDisconnect(error);
            };
          }
          const value: unknown = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    return new Proxy(transport, {
      get(target, prop) {
        if (prop === 'attach') return (events: ClientTransportEvents) => target.attach(watchEvents(events));
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
}
