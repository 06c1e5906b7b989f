export { runCaliper, runCaliperRounds, recordedRounds, type RoundSpec } from './caliper-run';
export { caliperRuntime, prepareSut, type Parties, type WorkerParties } from './sut';
