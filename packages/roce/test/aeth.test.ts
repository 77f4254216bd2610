import { describe, expect, it } from 'vitest';
import {
  AethSyndrome,
  ackSyndrome,
  classifyAeth,
  nakSyndrome,
  RNR_TIMER_MICROS,
  rnrNakSyndrome,
} from '../src/index.js';

describe('AETH syndrome', () => {
  it('encodes the values rxe sends: ACK 0x1F, RNR NAK 0x20|timer, NAKs 0x60..0x63', () => {
    expect(ackSyndrome()).toBe(0x1f);
    expect(rnrNakSyndrome(12)).toBe(0x2c);
    expect(nakSyndrome('PSN_SEQUENCE_ERROR')).toBe(0x60);
    expect(nakSyndrome('INVALID_REQUEST')).toBe(0x61);
    expect(nakSyndrome('REMOTE_ACCESS_ERROR')).toBe(0x62);
    expect(nakSyndrome('REMOTE_OPERATIONAL_ERROR')).toBe(0x63);
    expect(AethSyndrome.NAK_REMOTE_ACCESS_ERROR).toBe(0x62);
  });

  it('classifies syndromes back, with the RNR delay in microseconds', () => {
    expect(classifyAeth(0x1f)).toEqual({ type: 'ACK', credit: 31 });
    expect(classifyAeth(0x05)).toEqual({ type: 'ACK', credit: 5 });
    expect(classifyAeth(0x2e)).toEqual({ type: 'RNR_NAK', timerCode: 14, delayMicros: 1280 });
    expect(classifyAeth(0x20)).toEqual({ type: 'RNR_NAK', timerCode: 0, delayMicros: 655360 });
    expect(classifyAeth(0x60)).toMatchObject({ type: 'NAK', code: 'PSN_SEQUENCE_ERROR' });
    expect(classifyAeth(0x63)).toMatchObject({ type: 'NAK', code: 'REMOTE_OPERATIONAL_ERROR' });
    expect(classifyAeth(0x7f)).toMatchObject({ type: 'NAK', code: 'RESERVED' });
    expect(classifyAeth(0x41)).toEqual({ type: 'RESERVED', value: 1 });
  });

  it('has the 32 RNR timer codes of ib_verbs.h', () => {
    expect(RNR_TIMER_MICROS).toHaveLength(32);
    expect(RNR_TIMER_MICROS[1]).toBe(10);
    expect(RNR_TIMER_MICROS[31]).toBe(491520);
  });

  it('rejects a timer code beyond 5 bits', () => {
    expect(() => rnrNakSyndrome(32)).toThrow(/EINVAL: timerCode/);
  });
});
