import type { Scheduler, TimerHandle } from '@rdmalab/kernel';

/**
 * Real time, with one ordering rule the RC engine needs on Node: a timer that expires runs only after the
 * datagrams that arrived before it have been handled. Node runs expired timers before it polls sockets
 * in each event-loop turn, so a local ACK timeout would otherwise fire with the ACK that answers it already
 * waiting in the socket buffer — a spurious go-back-N of the whole window, every busy turn. Here an
 * expired timer hops to setImmediate (which runs after the poll phase) and checks it was not cancelled
 * meanwhile.
 */
export class IoFirstScheduler implements Scheduler {
  constructor(readonly inner: Scheduler) {}

  now(): number {
    return this.inner.now();
  }

  setTimer(delayNs: number, fn: () => void, label?: string): TimerHandle {
    // Zero-delay tasks already run after I/O (setImmediate): no hop needed.
    if (delayNs === 0) return this.inner.setTimer(0, fn, label);
    return this.#wrap((hop) => this.inner.setTimer(delayNs, hop, label), fn);
  }

  setTimerAt(atNs: number, fn: () => void, label?: string): TimerHandle {
    return this.#wrap((hop) => this.inner.setTimerAt(atNs, hop, label), fn);
  }

  #wrap(start: (hop: () => void) => TimerHandle, fn: () => void): TimerHandle {
    let live = true;
    let hopping: NodeJS.Immediate | undefined;
    const inner = start(() => {
      hopping = setImmediate(() => {
        if (!live) return;
        live = false;
        fn();
      });
    });
    return {
      get pending() {
        return live;
      },
      get deadline() {
        return inner.deadline;
      },
      cancel() {
        if (!live) return false;
        live = false;
        inner.cancel();
        if (hopping !== undefined) clearImmediate(hopping);
        return true;
      },
    };
  }
}
