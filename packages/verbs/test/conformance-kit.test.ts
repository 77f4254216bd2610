import { describe, expect, it } from 'vitest';
import type { CaseContext } from '../src/conformance/case-context.js';
import type { ConformanceCase } from '../src/conformance/conformance-case.js';
import {
  type ConformanceBackend,
  type ConformanceCaseName,
  ConformanceError,
  type ConformanceHarness,
  conformanceCases,
  defineConformanceSuite,
  planConformanceSuite,
  runConformanceCase,
  summarizeCompletion,
} from '../src/conformance/index.js';
import { runCase } from '../src/conformance/run-case.js';
import { type Device, WcFlags, WcOpcode, WcStatus } from '../src/index.js';

// Meta-tests of the kit's machinery only. No fake backend here pretends to pass a case: the hosts'
// devices throw on any use, so every case that reaches a device fails.
function untouchableDevice(name: string): Device {
  return new Proxy({} as Device, {
    get(_target, property) {
      throw new Error(`meta-test device ${name}: "${String(property)}" must not be used`);
    },
  });
}

interface HarnessProbe {
  settles: { timeoutMs: number }[];
  disposed: number;
}

function fakeBackend(
  probe: HarnessProbe,
  extra: Partial<Pick<ConformanceBackend, 'unsupported'>> & { faults?: ConformanceHarness['faults'] } = {},
): ConformanceBackend {
  return {
    name: 'meta',
    sqRetirement: 'each',
    ...(extra.unsupported ? { unsupported: extra.unsupported } : {}),
    createHarness: () => ({
      a: { device: untouchableDevice('a'), ip: '10.0.0.1' },
      b: { device: untouchableDevice('b'), ip: '10.0.0.2' },
      ...(extra.faults ? { faults: extra.faults } : {}),
      settle: async (_predicate, options) => {
        probe.settles.push(options);
        return false;
      },
      dispose: () => {
        probe.disposed++;
      },
    }),
  };
}

const allUnsupported = Object.fromEntries(
  conformanceCases.map((name) => [name, `meta-test: ${name} is not run here`]),
) as Record<ConformanceCaseName, string>;

// Registered for real: every case shows up in the report as skipped, with its reason.
defineConformanceSuite({
  name: 'meta-all-unsupported',
  sqRetirement: 'each',
  unsupported: allUnsupported,
  createHarness: () => {
    throw new Error('a skipped case must not create a harness');
  },
});

describe('conformance kit machinery', () => {
  it('plans one test per case, in the published order, each titled "name — what it proves"', () => {
    const plan = planConformanceSuite(fakeBackend({ settles: [], disposed: 0 }));
    expect(plan.map((p) => p.name)).toEqual([...conformanceCases]);
    expect(new Set(conformanceCases).size, 'case names are unique').toBe(conformanceCases.length);
    for (const p of plan) {
      expect(p.title.startsWith(`${p.name} — `), p.title).toBe(true);
      expect(p.title.length, p.title).toBeGreaterThan(p.name.length + 10);
      expect(p.skipReason).toBeUndefined();
    }
  });

  it('marks unsupported cases skipped, with the backend and the reason in the title', () => {
    const plan = planConformanceSuite(
      fakeBackend(
        { settles: [], disposed: 0 },
        { unsupported: { 'rnr-retry-exceeded': 'the model never runs out of RNR retries' } },
      ),
    );
    const skipped = plan.filter((p) => p.skipReason !== undefined);
    expect(skipped.map((p) => p.name)).toEqual(['rnr-retry-exceeded']);
    expect(skipped[0]!.title).toMatch(
      /^rnr-retry-exceeded — .+ \[unsupported by meta: the model never runs out of RNR retries\]$/,
    );
  });

  it('registers unsupported cases with vitest as skipped tests carrying the reason', ({ task }) => {
    const suite = task.file.tasks.find((t) => t.name === 'verbs conformance: meta-all-unsupported');
    expect(suite?.type).toBe('suite');
    const tests = suite?.type === 'suite' ? suite.tasks : [];
    expect(tests.map((t) => t.name.split(' — ')[0])).toEqual([...conformanceCases]);
    for (const t of tests) {
      expect(t.mode, t.name).toBe('skip');
      expect(t.name).toContain('[unsupported by meta-all-unsupported: meta-test: ');
    }
  });

  it('rejects an unsupported entry naming no case, or without a reason (EINVAL)', () => {
    const probe = { settles: [], disposed: 0 };
    const unknown = {
      ...fakeBackend(probe),
      unsupported: { 'rnr-retry-exceded': 'typo' },
    } as ConformanceBackend;
    expect(() => planConformanceSuite(unknown)).toThrow(
      /EINVAL: \[meta\] unsupported names unknown case "rnr-retry-exceded"/,
    );
    const blank = { ...fakeBackend(probe), unsupported: { 'rdma-read': '  ' } };
    expect(() => planConformanceSuite(blank)).toThrow(ConformanceError);
    expect(() => planConformanceSuite(blank)).toThrow(/case "rdma-read" needs a reason/);
  });

  it('fails a case whose awaited state never comes with ETIMEDOUT naming what it waited for, and disposes', async () => {
    const probe: HarnessProbe = { settles: [], disposed: 0 };
    const waitsForever: ConformanceCase = {
      name: 'send-recv-multi-sge',
      title: 'meta: waits for something that never happens',
      run: (ctx: CaseContext) => ctx.waitFor('the peer to answer', () => false, { timeoutMs: 30 }),
    };
    const error = await runCase(fakeBackend(probe), waitsForever).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConformanceError);
    expect((error as ConformanceError).code).toBe('ETIMEDOUT');
    expect((error as ConformanceError).message).toBe(
      'ETIMEDOUT: [meta] waited 30 ms of backend time for the peer to answer, but it did not happen',
    );
    expect(probe.settles, 'the harness was asked for 30 ms of its time').toEqual([{ timeoutMs: 30 }]);
    expect(probe.disposed, 'the harness is disposed after a failure').toBe(1);
  });

  it('fails a fault case on a harness without faults (EOPNOTSUPP) before touching a device', async () => {
    const probe: HarnessProbe = { settles: [], disposed: 0 };
    await expect(runConformanceCase(fakeBackend(probe), 'ack-loss-retransmission')).rejects.toThrow(
      /EOPNOTSUPP: \[meta\] case "ack-loss-retransmission" needs harness\.faults .* declare "ack-loss-retransmission" in unsupported/,
    );
    expect(probe.disposed).toBe(1);
  });

  it('lets a case fail when the backend misbehaves (here: a device that cannot be used)', async () => {
    const probe: HarnessProbe = { settles: [], disposed: 0 };
    await expect(runConformanceCase(fakeBackend(probe), 'rdma-write')).rejects.toThrow(/meta-test device a/);
    expect(probe.disposed).toBe(1);
  });

  it('rejects an unknown case name (EINVAL)', async () => {
    const probe: HarnessProbe = { settles: [], disposed: 0 };
    await expect(
      runConformanceCase(fakeBackend(probe), 'no-such-case' as ConformanceCaseName),
    ).rejects.toThrow(/EINVAL: no conformance case named "no-such-case"/);
    expect(probe.disposed, 'no harness is created for a case that does not exist').toBe(0);
  });

  it('summarizes completions with names and only the fields ibv_poll_cq(3) makes meaningful', () => {
    const base = { qpNum: 17, srcQp: 18, vendorErr: 0, byteLen: 99, wcFlags: 0 };
    expect(
      summarizeCompletion({ ...base, wrId: 1, status: WcStatus.RETRY_EXC_ERR, opcode: WcOpcode.SEND }),
    ).toEqual({
      wrId: 1,
      status: 'RETRY_EXC_ERR',
    });
    expect(
      summarizeCompletion({ ...base, wrId: 2, status: WcStatus.SUCCESS, opcode: WcOpcode.SEND }),
    ).toEqual({
      wrId: 2,
      status: 'SUCCESS',
      opcode: 'SEND',
    });
    expect(
      summarizeCompletion({
        ...base,
        wrId: 3,
        status: WcStatus.SUCCESS,
        opcode: WcOpcode.RECV,
        wcFlags: WcFlags.WITH_IMM | WcFlags.WITH_INVALIDATE,
        immData: 7,
        invalidatedRkey: 0x1234,
      }),
    ).toEqual({
      wrId: 3,
      status: 'SUCCESS',
      opcode: 'RECV',
      byteLen: 99,
      immData: 7,
      invalidatedRkey: 0x1234,
    });
  });
});
