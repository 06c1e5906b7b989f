/** A request the supervision API refuses, with its HTTP status and a stable code. */
export class SupervisionRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SupervisionRefusal';
  }
}

/**
 * The peer does not hold the chain the scan recorded: fewer blocks than it read, or another block
 * where it stopped. The chain view then describes another chain; nothing is recorded until an
 * operator starts the view afresh (a new database, as after `network:down`).
 */
export class ChainMismatch extends Error {
  readonly code = 'CHAIN_MISMATCH';
  constructor(message: string) {
    super(message);
    this.name = 'ChainMismatch';
  }
}
