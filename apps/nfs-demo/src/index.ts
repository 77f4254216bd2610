export {
  type BenchRow,
  benchRows,
  formatBenchTable,
  formatHz,
  formatMs,
} from './benchmarks/bench-table.js';
export {
  BenchReportError,
  parseVitestBenchReport,
  type VitestBenchFile,
  type VitestBenchGroup,
  type VitestBenchmark,
  type VitestBenchReport,
} from './benchmarks/vitest-report.js';
export { type BenchPackage, benchPackages, findWorkspaceRoot } from './benchmarks/workspace.js';
export { type Command, UsageError } from './command.js';
export { type BenchRun, benchCommand, type MergedBenchResults } from './commands/bench.js';
export { cliRegistry } from './commands/cli-registry.js';
export { demoCommand } from './commands/demo.js';
export { createNfsCommand, nfsCommand } from './commands/nfs.js';
export { CommandRegistry } from './commands/registry.js';
export {
  createRpcinfoCommand,
  formatRpcinfo,
  type RpcinfoEntry,
  rpcinfoCommand,
  rpcinfoEntry,
} from './commands/rpcinfo.js';
export { createScenarioCommand, scenarioCommand } from './commands/scenario.js';
export { createServeCommand, serveCommand } from './commands/serve.js';
export { sweepCommand } from './commands/sweep.js';
export type { CliIo } from './io.js';
export { EXIT_USAGE, main } from './main.js';
export { type ComposeNfsStack, composeNfsStack, type NfsStackOptions } from './stack/compose.js';
export {
  RDMA_BACKENDS,
  type RdmaBackend,
  TRANSPORT_NAMES,
  type TransportChoice,
  type TransportName,
  TransportUnavailableError,
} from './stack/transport-choice.js';
export { type DemoResult, demoSteps, type WorkloadReport } from './story/demo-run.js';
