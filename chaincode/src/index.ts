import { DiagnosticsContract } from './diagnostics-contract';

export { DiagnosticsContract } from './diagnostics-contract';

/** The contracts fabric-chaincode-node serves; the first one answers unqualified transaction names. */
export const contracts: (typeof DiagnosticsContract)[] = [DiagnosticsContract];
