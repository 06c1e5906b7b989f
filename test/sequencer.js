const Sequencer = require('@jest/test-sequencer').default;

/**
 * Tests share one running network; the lifecycle test takes it down and brings it back, so it runs
 * after every other test file.
 */
class LifecycleLast extends Sequencer {
  sort(tests) {
    const isLifecycle = (t) => t.path.endsWith('lifecycle.test.ts');
    const sorted = [...tests].sort((a, b) => a.path.localeCompare(b.path));
    return [...sorted.filter((t) => !isLifecycle(t)), ...sorted.filter(isLifecycle)];
  }
}

module.exports = LifecycleLast;
