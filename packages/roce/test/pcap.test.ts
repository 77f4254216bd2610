import { describe, expect, it } from 'vitest';
import { LINKTYPE_ETHERNET, PcapWriter, readPcap, writePcap } from '../src/index.js';
import { buildConversation } from './tshark-capture.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('PcapWriter', () => {
  it('writes the libpcap header with the nanosecond magic and LINKTYPE_ETHERNET, little-endian', () => {
    const bytes = new PcapWriter().toBytes();
    expect(hex(bytes)).toBe('4d3cb2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '01000000');
  });

  it('stores virtual-time nanoseconds exactly in each record header', () => {
    const bytes = writePcap([{ timestampNs: 3_000_000_123n, frame: Uint8Array.of(1, 2, 3) }]);
    expect(hex(bytes.subarray(24))).toBe('03000000' + '7b000000' + '03000000' + '03000000' + '010203');
    const file = readPcap(bytes);
    expect(file).toMatchObject({ ok: true, value: { nanosecond: true, linkType: LINKTYPE_ETHERNET } });
    expect(file.ok && file.value.records[0]!.timestampNs).toBe(3_000_000_123n);
  });

  it('produces identical bytes for identical inputs', () => {
    expect(hex(buildConversation().pcap)).toBe(hex(buildConversation().pcap));
  });

  it('cuts frames at the snap length and records their original length', () => {
    const writer = new PcapWriter({ snapLength: 4 });
    writer.addFrame(0, new Uint8Array(10).fill(9));
    const file = readPcap(writer.toBytes());
    expect(file.ok && file.value.records[0]).toMatchObject({
      originalLength: 10,
      data: new Uint8Array(4).fill(9),
    });
  });

  it('rejects negative, fractional and out-of-range timestamps with EINVAL', () => {
    const writer = new PcapWriter();
    expect(() => writer.addFrame(-1, new Uint8Array())).toThrow(/EINVAL: timestampNs/);
    expect(() => writer.addFrame(1.5, new Uint8Array())).toThrow(/EINVAL/);
    expect(() => writer.addFrame(2n ** 32n * 1_000_000_000n, new Uint8Array())).toThrow(/EINVAL/);
    expect(writer.frameCount).toBe(0);
  });
});

describe('readPcap', () => {
  const { pcap, expected } = buildConversation();

  it('reads back every frame of a capture in order', () => {
    const file = readPcap(pcap);
    expect(file.ok && file.value.records).toHaveLength(expected.length);
  });

  it('reads big-endian microsecond files too', () => {
    const be = Uint8Array.from(
      Buffer.from(
        'a1b2c3d4' +
          '00020004' +
          '00000000' +
          '00000000' +
          '0000ffff' +
          '00000001' +
          '00000001000001f4000000020000000201ff',
        'hex',
      ),
    );
    const file = readPcap(be);
    expect(file).toMatchObject({ ok: true, value: { nanosecond: false, littleEndian: false } });
    expect(file.ok && file.value.records[0]!.timestampNs).toBe(1_000_500_000n);
  });

  it('reports bad magic, cut headers and cut records', () => {
    expect(readPcap(new Uint8Array(10))).toMatchObject({ ok: false, reason: 'TRUNCATED' });
    expect(readPcap(new Uint8Array(24))).toMatchObject({ ok: false, reason: 'BAD_MAGIC', offset: 0 });
    expect(readPcap(pcap.subarray(0, 30))).toMatchObject({ ok: false, reason: 'TRUNCATED' });
    expect(readPcap(pcap.subarray(0, 60))).toMatchObject({ ok: false, reason: 'TRUNCATED', offset: 60 });
  });
});
