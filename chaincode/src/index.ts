import { DiagnosticsContract } from './diagnostics-contract';
import { EscrowContract } from './escrow-contract';
import { skipUnloggedShimLines } from './shim-logging';

skipUnloggedShimLines();

export { DiagnosticsContract } from './diagnostics-contract';
export { EscrowContract } from './escrow-contract';

/** The contracts fabric-chaincode-node serves; the first (escrow) answers unqualified transaction names. */
export const contracts: (typeof EscrowContract | typeof DiagnosticsContract)[] = [EscrowContract, DiagnosticsContract];
