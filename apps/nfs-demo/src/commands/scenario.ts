import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { INVARIANT_TITLES } from '@rdmalab/xprtrdma';
import { type Command, UsageError } from '../command.js';
import type { CliIo } from '../io.js';
import { builtinScenarios } from '../scenarios/builtin.js';
import { choosePolicy, POLICY_WORDS, UnknownPolicyError } from '../scenarios/policy-choice.js';
import type { ScenarioRegistry } from '../scenarios/registry.js';
import type { ScenarioReport } from '../scenarios/report.js';
import { IOMMU_MODELS, parseCount, parseIommu } from '../scenarios/run-options.js';
import { runScenario } from '../scenarios/run-scenario.js';

const USAGE = `usage: rdmalab scenario list [--json]
       rdmalab scenario run NAME [--policy broken|fixed|PRESET] [--seed N] [--iommu strict|passthrough]
                                 [--json] [--pcap FILE] [--trace FILE]

Runs one bug of the Linux xprtrdma Send path (DESIGN.md §6) on the simulated RoCEv2 fabric — an
NFS server and client over RPC-over-RDMA — and checks the invariants I1–I7 in virtual time.

  --policy P   broken (default) or fixed: the pair the scenario contrasts; or a preset
               (${POLICY_WORDS.slice(2).join(', ')})
  --seed N     fabric seed (default 1)
  --iommu M    the client's IOMMU: ${IOMMU_MODELS.join(' or ')} (default: the scenario's)
  --json       print one JSON object (scenario, policy, seed, violations I1…I7, exposures,
               dmaFaults, connectionLosses, sqOverflows, stalls, rpcs, dataVerified, latencyUs, counters)
  --pcap FILE  write the capture (Wireshark: RoCEv2 → rpcordma → RPC → NFS)
  --trace FILE write a Chrome trace (Perfetto: a track per QP and per RPC)

Exit status: 0 when the run held (no violation, data intact), 1 when it found a violation, 2 on bad usage.`;

function listText(registry: ScenarioRegistry): string {
  const rows = registry
    .list()
    .map(
      (s) =>
        `  ${s.name.padEnd(24)} ${s.title}\n  ${''.padEnd(24)} breaks ${s.invariants.join(', ')}; ${s.setup}\n  ${''.padEnd(24)} broken: ${s.broken.label}\n  ${''.padEnd(24)} fixed:  ${s.fixed.label}`,
    );
  return ['scenarios (rdmalab scenario run NAME [--policy broken|fixed]):', '', ...rows].join('\n');
}

function reportText(r: ScenarioReport, explain: string[]): string {
  const broken = Object.entries(r.violations).filter(([, n]) => n > 0);
  const lines = [
    `rdmalab scenario ${r.scenario} — ${r.title}`,
    `policy ${r.policy} (${r.policyLabel}); seed ${r.seed}; client IOMMU ${r.iommu}`,
    '',
    ...explain,
    '',
    `RPCs: ${r.rpcs.completed} completed, ${r.rpcs.failed} failed, ${r.rpcs.retransmitted} retransmitted; latency p50 ${r.latencyUs.p50.toFixed(1)} µs, p99 ${r.latencyUs.p99.toFixed(1)} µs (virtual); ${r.virtualMs.toFixed(1)} ms simulated`,
    `connection losses ${r.connectionLosses}, Send Queue overflows ${r.sqOverflows}, stalls ${r.stalls}, data ${r.dataVerified ? 'verified' : 'NOT intact'}`,
  ];
  if (broken.length === 0) lines.push('invariants I1–I7: all held');
  else {
    lines.push('violated:');
    for (const [id, n] of broken)
      lines.push(`  ${id} × ${n}  ${INVARIANT_TITLES[id as keyof typeof INVARIANT_TITLES]}`);
    const first = r.violationDetails[0];
    if (first)
      lines.push(
        `  first: ${first.invariant} at ${((first.timeNs ?? 0) / 1e6).toFixed(3)} ms${first.host ? ` on ${first.host}` : ''}${first.qpn !== undefined ? ` QP ${first.qpn}` : ''}${first.psn !== undefined ? ` PSN ${first.psn}` : ''}: ${first.message}`,
      );
  }
  lines.push(r.held ? 'HELD' : 'BROKE');
  return lines.join('\n');
}

/** `rdmalab scenario` with the scenarios of `registry`. */
export function createScenarioCommand(registry: ScenarioRegistry): Command {
  return {
    name: 'scenario',
    summary: 'run one xprtrdma bug, broken or fixed, and check invariants I1–I7',
    usage: USAGE,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const { values, positionals } = parseArgs({
        args: [...args],
        options: {
          policy: { type: 'string' },
          seed: { type: 'string' },
          iommu: { type: 'string' },
          json: { type: 'boolean' },
          pcap: { type: 'string' },
          trace: { type: 'string' },
        },
        strict: true,
        allowPositionals: true,
      });
      const [verb, name, ...extra] = positionals;
      if (verb === 'list') {
        if (name !== undefined) throw new UsageError(`scenario list takes no argument, got "${name}"`);
        if (values.json) {
          io.out(
            JSON.stringify(
              registry.list().map((s) => ({
                name: s.name,
                title: s.title,
                invariants: s.invariants,
                setup: s.setup,
                defaultIommu: s.defaultIommu,
                broken: s.broken,
                fixed: s.fixed,
              })),
              null,
              2,
            ),
          );
        } else io.out(listText(registry));
        return 0;
      }
      if (verb !== 'run')
        throw new UsageError(
          `expected "list" or "run NAME", got ${verb === undefined ? 'nothing' : `"${verb}"`}`,
        );
      if (name === undefined)
        throw new UsageError(`scenario run needs a NAME. Valid scenarios: ${registry.names.join(', ')}`);
      if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
      const scenario = registry.get(name);
      if (scenario === undefined) {
        io.err(`rdmalab scenario: unknown scenario "${name}". Valid scenarios: ${registry.names.join(', ')}`);
        return 2;
      }
      let policy: ReturnType<typeof choosePolicy>;
      try {
        policy = choosePolicy(values.policy ?? 'broken', scenario);
      } catch (error) {
        if (!(error instanceof UnknownPolicyError)) throw error;
        io.err(`rdmalab scenario: ${error.message}`);
        return 2;
      }
      const seed = parseCount('--seed', values.seed, 1);
      const iommu = parseIommu(values.iommu);
      if (io.signal.aborted) {
        io.err('rdmalab scenario: interrupted before the run started; nothing completed');
        return 130;
      }
      const run = await runScenario(scenario, {
        policy: policy.name,
        policyLabel: policy.label,
        spec: policy.spec,
        seed,
        ...(iommu ? { iommu } : {}),
        pcap: values.pcap !== undefined,
        trace: values.trace !== undefined,
      });
      if (values.pcap !== undefined && run.pcap) writeFileSync(values.pcap, run.pcap);
      if (values.trace !== undefined && run.trace !== undefined) writeFileSync(values.trace, run.trace);
      if (values.json) io.out(JSON.stringify(run.report, null, 2));
      else io.out(reportText(run.report, scenario.explain(run.report)));
      if (!values.json && values.pcap) io.err(`capture written to ${values.pcap}`);
      if (!values.json && values.trace)
        io.err(`trace written to ${values.trace} (open in https://ui.perfetto.dev)`);
      return run.report.held ? 0 : 1;
    },
  };
}

/** The command with every built-in scenario. */
export const scenarioCommand: Command = createScenarioCommand(builtinScenarios());
