import { describe, expect, it } from 'vitest';
import {
  ChromeTraceSink,
  JsonLinesSink,
  MemoryRingSink,
  TraceError,
  type TraceEvent,
  Tracer,
  VirtualScheduler,
} from '../src/index.js';

describe('Tracer', () => {
  it('is disabled and emits nothing without sinks', () => {
    const tracer = new Tracer(new VirtualScheduler());
    const tp = tracer.tracepoint<{ psn: number }>('roce', 'tx');
    expect(tracer.enabled).toBe(false);
    expect(tp.enabled).toBe(false);
    tp.emit({ psn: 1 });
    const ring = new MemoryRingSink(4);
    const remove = tracer.addSink(ring);
    expect(tp.enabled).toBe(true);
    tp.emit({ psn: 2 });
    remove();
    tp.emit({ psn: 3 });
    expect(ring.events().map((e) => e.fields)).toEqual([{ psn: 2 }]);
    expect(() => tracer.tracepoint('', 'x')).toThrow(TraceError);
  });

  it('stamps events with the clock and keeps the last N in the ring', () => {
    const s = new VirtualScheduler();
    const tracer = new Tracer(s);
    const ring = new MemoryRingSink(3);
    tracer.addSink(ring);
    const tp = tracer.tracepoint<{ i: number }>('xprtrdma', 'post_send');
    for (let i = 0; i < 5; i++) s.setTimer(i * 100, () => tp.emit({ i }, { track: 'qp 1' }));
    s.runUntilIdle();
    const events = ring.events();
    expect(events.map((e) => [e.ts, e.fields.i])).toEqual([
      [200, 2],
      [300, 3],
      [400, 4],
    ]);
    expect(events[0]).toMatchObject({ subsystem: 'xprtrdma', name: 'post_send', track: 'qp 1' });
    expect(ring.dropped).toBe(2);
    ring.clear();
    expect(ring.events()).toEqual([]);
    expect(() => new MemoryRingSink(0)).toThrow(TraceError);
  });

  it('JsonLinesSink writes one parseable JSON object per line, bigint and bytes included', () => {
    const s = new VirtualScheduler({ startNs: 1500 });
    const tracer = new Tracer(s);
    let out = '';
    tracer.addSink(new JsonLinesSink((line) => (out += line)));
    const tp = tracer.tracepoint<{ xid: bigint; data: Uint8Array; ok: boolean }>('sunrpc', 'call');
    tp.emit({ xid: 0x1234n, data: new Uint8Array([0xde, 0xad]), ok: true });
    tp.emit({ xid: 1n, data: new Uint8Array(0), ok: false }, { phase: 'begin', track: 'rpc 1' });
    const lines = out.split('\n');
    expect(lines.pop()).toBe('');
    const parsed = lines.map((l) => JSON.parse(l) as TraceEvent);
    expect(parsed).toHaveLength(2);
    expect(parsed[0]).toEqual({
      ts: 1500,
      subsystem: 'sunrpc',
      name: 'call',
      fields: { xid: '4660', data: 'dead', ok: true },
    });
    expect(parsed[1]).toMatchObject({ phase: 'begin', track: 'rpc 1' });
  });

  it('ChromeTraceSink produces trace event JSON with µs timestamps and a named thread per track', () => {
    const s = new VirtualScheduler();
    const tracer = new Tracer(s);
    const chrome = new ChromeTraceSink();
    tracer.addSink(chrome);
    const send = tracer.tracepoint<{ psn: number }>('roce', 'send');
    const rpc = tracer.tracepoint<{ xid: number }>('sunrpc', 'rpc');
    s.setTimer(1500, () => send.emit({ psn: 7 }, { track: 'host-a/qp 17' }));
    s.setTimer(2000, () => rpc.emit({ xid: 1 }, { track: 'rpc 0x1', phase: 'begin' }));
    s.setTimer(5000, () => rpc.emit({ xid: 1 }, { track: 'rpc 0x1', phase: 'end' }));
    s.setTimer(6000, () => send.emit({ psn: 8 }, { track: 'host-a/qp 17', phase: 'complete', durNs: 2500 }));
    s.setTimer(7000, () => send.emit({ psn: 9 }));
    s.runUntilIdle();
    const parsed = JSON.parse(chrome.toString()) as {
      traceEvents: Array<Record<string, unknown>>;
      displayTimeUnit: string;
    };
    expect(parsed.displayTimeUnit).toBe('ns');
    const meta = parsed.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name');
    expect(meta.map((m) => (m.args as { name: string }).name)).toEqual(['host-a/qp 17', 'rpc 0x1', 'roce']);
    const tidOf = (track: string) => meta.find((m) => (m.args as { name: string }).name === track)!.tid;
    const events = parsed.traceEvents.filter((e) => e.ph !== 'M');
    expect(events).toEqual([
      {
        name: 'send',
        cat: 'roce',
        ph: 'i',
        s: 't',
        pid: 1,
        tid: tidOf('host-a/qp 17'),
        ts: 1.5,
        args: { psn: 7 },
      },
      { name: 'rpc', cat: 'sunrpc', ph: 'B', pid: 1, tid: tidOf('rpc 0x1'), ts: 2, args: { xid: 1 } },
      { name: 'rpc', cat: 'sunrpc', ph: 'E', pid: 1, tid: tidOf('rpc 0x1'), ts: 5, args: { xid: 1 } },
      {
        name: 'send',
        cat: 'roce',
        ph: 'X',
        pid: 1,
        tid: tidOf('host-a/qp 17'),
        ts: 6,
        dur: 2.5,
        args: { psn: 8 },
      },
      { name: 'send', cat: 'roce', ph: 'i', s: 't', pid: 1, tid: tidOf('roce'), ts: 7, args: { psn: 9 } },
    ]);
    expect(parsed.traceEvents.some((e) => e.ph === 'M' && e.name === 'process_name')).toBe(true);
  });
});
