import { CmEventType, DmaDirection, QpState, SendFlags, WcOpcode, WcStatus, WrOpcode } from '@rdmalab/verbs';
import { describe, expect, it } from 'vitest';
import { SimFabric } from '../src/fabric/sim-fabric.js';
import { connectedPair, mappedBuffer, PORT } from './connected-pair.js';

describe('CM over the simulated fabric', () => {
  it('connects with real MADs on the wire and carries a SEND end to end', async () => {
    const { fabric, client, server } = await connectedPair();
    const cmRecords = fabric.tap!.records.filter((r) => r.class === 'cm');
    expect(cmRecords.map((r) => `${r.from}>${r.to}`)).toEqual([
      'client>server',
      'server>client',
      'client>server',
    ]);
    expect(new TextDecoder().decode(client.events[0]!.privateData!.subarray(0, 7))).toBe('welcome');
    expect(client.qp.state).toBe(QpState.RTS);
    expect(server.qp.state).toBe(QpState.RTS);

    const rx = mappedBuffer(server, 'server-rx', 0, 4096, DmaDirection.FROM_DEVICE);
    server.qp.postRecv([{ wrId: 1, sgList: [{ addr: rx.dma, length: 4096, lkey: server.pd.localDmaLkey }] }]);
    const tx = mappedBuffer(client, 'client-tx', 0xab, 3000);
    client.qp.postSend([
      {
        wrId: 7,
        opcode: WrOpcode.SEND,
        flags: SendFlags.SIGNALED,
        sgList: [{ addr: tx.dma, length: 3000, lkey: client.pd.localDmaLkey }],
      },
    ]);
    expect(await fabric.settle(() => client.poll().length + client.completions.length > 0)).toBe(true);
    expect(client.completions[0]).toMatchObject({ wrId: 7, status: WcStatus.SUCCESS, opcode: WcOpcode.SEND });
    server.poll();
    expect(server.completions[0]).toMatchObject({ wrId: 1, status: WcStatus.SUCCESS, byteLen: 3000 });
    expect(rx.page.bytes.subarray(0, 3000).every((b) => b === 0xab)).toBe(true);
  });

  it('no listener on the port: REJECTED with reason 8', async () => {
    const fabric = new SimFabric({ seed: 1 });
    const a = fabric.addHost('a', { ip: '10.0.0.1' });
    fabric.addHost('b', { ip: '10.0.0.2' });
    const events: number[] = [];
    const statuses: unknown[] = [];
    const id = a.cm.createId((e) => {
      events.push(e.type);
      statuses.push(e.status);
    });
    id.resolveRoute({ ip: '10.0.0.2', port: PORT });
    const pd = a.device.allocPd();
    const cq = a.device.createCq({ capacity: 16, mode: 'poll' });
    id.createQp(pd, {
      type: 'RC',
      sendCq: cq,
      recvCq: cq,
      cap: { maxSendWr: 4, maxRecvWr: 4, maxSendSge: 1, maxRecvSge: 1, maxInlineData: 0 },
    });
    id.connect({});
    expect(await fabric.settle(() => events.length > 0)).toBe(true);
    expect(events).toEqual([CmEventType.REJECTED]);
    expect(statuses).toEqual([8]);
  });

  it('a partition longer than the CM retry budget ends in UNREACHABLE', async () => {
    const fabric = new SimFabric({
      seed: 1,
      faults: { partitions: [{ between: ['a', 'b'], window: { startNs: 0 } }] },
    });
    const a = fabric.addHost('a', { ip: '10.0.0.1', cm: { responseTimeout: 10, maxCmRetries: 3 } });
    fabric.addHost('b', { ip: '10.0.0.2' });
    const events: unknown[] = [];
    const id = a.cm.createId((e) => events.push([e.type, e.status]));
    id.resolveRoute({ ip: '10.0.0.2', port: PORT });
    const pd = a.device.allocPd();
    const cq = a.device.createCq({ capacity: 16, mode: 'poll' });
    id.createQp(pd, {
      type: 'RC',
      sendCq: cq,
      recvCq: cq,
      cap: { maxSendWr: 4, maxRecvWr: 4, maxSendSge: 1, maxRecvSge: 1, maxInlineData: 0 },
    });
    id.connect({});
    fabric.run();
    expect(events).toEqual([[CmEventType.UNREACHABLE, 'ETIMEDOUT']]);
    expect(fabric.tap!.records.filter((r) => r.fate === 'partitioned')).toHaveLength(4);
  });

  it('disconnect moves both QPs to ERR, flushes posted receives and reports DISCONNECTED on both sides', async () => {
    const { fabric, client, server } = await connectedPair();
    const rx = mappedBuffer(server, 'server-rx', 0, 64, DmaDirection.FROM_DEVICE);
    server.qp.postRecv([{ wrId: 99, sgList: [{ addr: rx.dma, length: 64, lkey: server.pd.localDmaLkey }] }]);
    client.id.disconnect();
    expect(
      await fabric.settle(
        () =>
          client.events.some((e) => e.type === CmEventType.DISCONNECTED) &&
          server.events.some((e) => e.type === CmEventType.DISCONNECTED),
      ),
    ).toBe(true);
    expect(client.qp.state).toBe(QpState.ERR);
    expect(server.qp.state).toBe(QpState.ERR);
    await fabric.settle(() => server.poll().length > 0 || server.completions.length > 0);
    expect(server.completions[0]).toMatchObject({ wrId: 99, status: WcStatus.WR_FLUSH_ERR });
    const kinds = fabric.tap!.records.filter((r) => r.class === 'cm').length;
    expect(kinds).toBe(5);
  });
});
