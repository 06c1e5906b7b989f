import { summarise } from './peer-profile';

// Lines as `go tool pprof -top -cum` prints them (a peer profiled under the orders bench).
const top = `File: peer
Duration: 30s, Total samples = 6.12s (20.40%)
      flat  flat%   sum%        cum   cum%
     0.01s  0.16%  0.16%      2.01s 32.84%  github.com/hyperledger/fabric/msp.(*identity).Verify
         0     0%  0.16%      1.99s 32.52%  github.com/hyperledger/fabric/core/committer/txvalidator/v20.(*TxValidator).validateTx
         0     0%  0.16%      1.87s 30.56%  github.com/hyperledger/fabric/core/common/validation/statebased.(*KeyLevelValidator).Validate
     180ms  2.94% 43.79%      180ms  2.94%  runtime.gcBgMarkWorker
`;

describe("a peer's profile summary", () => {
  it('reads the CPU seconds and each stage’s cumulative share', () => {
    const { cpuSeconds, stages } = summarise(top);
    expect(cpuSeconds).toBe(6.12);
    expect(stages['validation (all)']).toBe(32.52);
    expect(stages['  key-level (state-based) endorsement policies']).toBe(30.56);
    expect(stages['  signature checks (ECDSA + hashing the signed payload)']).toBe(32.84);
    expect(stages['garbage collection']).toBe(2.94);
  });

  it('gives a stage the profile does not show a share of 0', () => {
    expect(summarise(top).stages['state commit']).toBe(0);
    expect(summarise('').cpuSeconds).toBe(0);
  });
});
