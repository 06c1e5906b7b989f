import { skipUnloggedShimLines } from './shim-logging';

/** fabric-shim's own loggers (winston 3), at the level our chaincode servers run at. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const shimLogging = require('fabric-shim/lib/logger') as {
  getLogger(name: string): {
    debug(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    format: { transform: (...args: unknown[]) => unknown };
  };
};

function watchedLogger(name: string) {
  process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'warning';
  const logger = shimLogging.getLogger(name);
  const formatted: string[] = [];
  const transform = logger.format.transform.bind(logger.format);
  logger.format.transform = (info: unknown, ...rest: unknown[]) => {
    formatted.push(String((info as { message: unknown }).message));
    return transform(info, ...rest);
  };
  return { logger, formatted };
}

describe("the shim's logging below its level", () => {
  const write = process.stdout.write;
  beforeEach(() => {
    process.stdout.write = (() => true) as typeof process.stdout.write;
  });
  afterEach(() => {
    process.stdout.write = write;
  });

  it('is formatted by winston, then thrown away, unless skipped; what the level lets through is formatted as before', () => {
    const before = watchedLogger('before-skipping');
    before.logger.debug('received message %s', 'x');
    expect(before.formatted).toEqual(['received message %s']);

    skipUnloggedShimLines();
    skipUnloggedShimLines();
    const after = watchedLogger('after-skipping');
    after.logger.debug('received message %s', 'x');
    after.logger.debug('one argument');
    after.logger.warn('a warning');
    expect(after.formatted).toEqual(['a warning']);
  });
});
