import { CommitStatusError, GatewayError, type ErrorDetail } from '@hyperledger/fabric-gateway';
// The package's index exports SubmitError as a type only; the class is its own module's.
import { SubmitError } from '@hyperledger/fabric-gateway/dist/submiterror';
import { commitWaitExpired, ContractRefusal } from '@securepay/client';
import { MaxRetriesPerRequestError } from 'ioredis/built/errors';
import pg from 'pg';
import { ServiceUnavailable, type UnavailableCode } from './service-unavailable';

/** What this process knows of the Fabric peers it talks to (`FabricSessions`). */
export interface FabricFacts {
  /** The org whose peer a gateway call went to, when the call was made on one of the API's channels. */
  gatewayPeerOf(error: GatewayError): string | undefined;
  /** Whether this process can reach the org's peer now (its channel is not failing). */
  reachable(mspId: string): boolean;
  /** The orgs whose peers this process cannot reach now. */
  unreachable(): string[];
}

/** Another dependency's address as the connection settings name it (`host:port`), and what to call it. */
export interface DependencyEndpoint {
  code: UnavailableCode;
  subject: string;
  what: string;
}

export interface Dependencies {
  fabric?: FabricFacts;
  /** By `host:port`: the ledger's database, Redis, each bank's onboarding. */
  endpoints: ReadonlyMap<string, DependencyEndpoint>;
}

// gRPC status codes (https://grpc.io/docs/guides/status-codes/).
const DEADLINE_EXCEEDED = 4;
const FAILED_PRECONDITION = 9;
const ABORTED = 10;
const UNAVAILABLE = 14;
const transport = new Set([UNAVAILABLE, DEADLINE_EXCEEDED]);

/**
 * PostgreSQL's SQLSTATEs for "the server is not there for you": class 08 (connection exception),
 * 57P01-57P03 (shut down, crashed, starting up), 53300 (too many connections).
 */
const databaseDown = (sqlState: string | undefined): boolean =>
  sqlState !== undefined && (sqlState.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(sqlState));

/** Node's codes for a socket that could not be opened or was lost. */
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Turns what failed because something else did not answer into a `503` naming it: Fabric gateway
 * errors (`EndorseError`, `SubmitError`, `CommitStatusError`, evaluations) by their gRPC code and
 * where they went, PostgreSQL by its SQLSTATE, ioredis by its error type, and a socket that would
 * not open by its address, which the connection settings map to the dependency. Wrappers are looked
 * through (`cause`: the client's retries wrap the last error). Anything else is not a fault of a
 * dependency: undefined, and the API answers 500.
 */
export function classifyFault(error: unknown, deps: Dependencies): ServiceUnavailable | undefined {
  for (const e of causes(error)) {
    if (e instanceof ServiceUnavailable) return e;
    // The contract answered: whatever it wraps, a peer was there to say it.
    if (e instanceof ContractRefusal) return undefined;
    if (e instanceof GatewayError) return fabricFault(e, deps.fabric);
    if (e instanceof MaxRetriesPerRequestError)
      return new ServiceUnavailable('QUEUE_UNAVAILABLE', 'redis', 'Redis did not answer', { cause: e });
    if (e instanceof pg.DatabaseError) {
      return databaseDown(e.code)
        ? new ServiceUnavailable('LEDGER_UNAVAILABLE', 'ledger', `the ledger's database is not taking connections (${e.code})`, {
            cause: e,
          })
        : undefined;
    }
    const endpoint = socketEndpoint(e, deps.endpoints);
    if (endpoint) return new ServiceUnavailable(endpoint.code, endpoint.subject, `${endpoint.what} did not answer`, { cause: e });
  }
  return undefined;
}

function* causes(error: unknown): Generator<unknown> {
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    yield e;
    // Node reports a host it tried at several addresses (localhost: ::1 and 127.0.0.1) as one AggregateError.
    if (e instanceof AggregateError) for (const inner of e.errors) yield* causes(inner);
    e = (e as { cause?: unknown }).cause;
  }
}

/** A socket error (a connect refused, a reset) at an address the connection settings name. */
function socketEndpoint(error: unknown, endpoints: ReadonlyMap<string, DependencyEndpoint>): DependencyEndpoint | undefined {
  const e = error as { code?: unknown; address?: unknown; port?: unknown };
  if (typeof e.code !== 'string' || !socketCodes.has(e.code) || typeof e.address !== 'string' || typeof e.port !== 'number')
    return undefined;
  return endpoints.get(`${e.address}:${e.port}`);
}

/**
 * The code of an endorser's or orderer's answer in a gateway error detail. The detail has no code
 * field: Fabric renders the peer's gRPC status into its message as Go does (`rpc error: code =
 * Unavailable desc = …`), and only that rendering of the code is read here.
 */
const detailCode = (detail: ErrorDetail): string | undefined => /^rpc error: code = (\w+) desc = /.exec(detail.message)?.[1];

function fabricFault(error: GatewayError, fabric: FabricFacts | undefined): ServiceUnavailable | undefined {
  // A commit-status wait's expiry may read as CANCELLED (`commitWaitExpired`): a transport failure too.
  const transportFailed = transport.has(error.code) || commitWaitExpired(error);
  if (!transportFailed && error.code !== ABORTED && error.code !== FAILED_PRECONDITION) return undefined;
  const via = fabric?.gatewayPeerOf(error);
  // The API's own gateway peer did not answer: the call never got past it.
  if (transportFailed && via && fabric && !fabric.reachable(via)) return peers([via], error);
  if (error instanceof SubmitError) {
    // Past endorsement, the gateway reports ABORTED only for an orderer's non-SUCCESS answer to the
    // broadcast (no Raft leader, no BFT quorum, a consenter starting), UNAVAILABLE when none answered.
    if (error.code === FAILED_PRECONDITION) return undefined;
    const orderers = unique(error.details.map((d) => d.mspId));
    return new ServiceUnavailable(
      'ORDERER_UNAVAILABLE',
      orderers.join(',') || 'ordering service',
      `the ordering service${orderers.length ? ` (${orderers.join(', ')})` : ''} did not take the transaction`,
      { cause: error },
    );
  }
  if (error instanceof CommitStatusError) {
    // Submitted, but no block with it reached the peer in time: ordering has stalled.
    return transportFailed
      ? new ServiceUnavailable('ORDERER_UNAVAILABLE', 'ordering service', 'no block carried the transaction in time', { cause: error })
      : undefined;
  }
  // Endorsement or evaluation: the endorsers the details say did not answer; with no details, the
  // orgs whose peers this process cannot reach.
  const failing = error.details.filter((d) => ['Unavailable', 'DeadlineExceeded'].includes(detailCode(d) ?? ''));
  const orgs = unique(failing.length ? failing.map((d) => d.mspId) : error.details.length === 0 ? (fabric?.unreachable() ?? []) : []);
  if (orgs.length) return peers(orgs, error);
  // Its gateway found no peer that answered in time, and names none.
  if (transport.has(error.code) && via) return peers([via], error);
  // The gateway's discovery knows a peer the policy needs is gone before this process's own channel
  // to it fails; Fabric gives that no code of its own, only these words.
  if (error.code === FAILED_PRECONDITION && /no (combination of peers|peer combination) can/.test(error.message)) {
    const down = fabric?.unreachable() ?? [];
    return down.length
      ? peers(down, error)
      : new ServiceUnavailable('PEER_UNAVAILABLE', 'peers', 'no set of answering peers satisfies the endorsement policy', { cause: error });
  }
  return undefined;
}

function peers(orgs: string[], cause: unknown): ServiceUnavailable {
  const what = orgs.length === 1 ? `the peer of ${orgs[0]} did not answer` : `the peers of ${orgs.join(', ')} did not answer`;
  return new ServiceUnavailable('PEER_UNAVAILABLE', orgs.join(','), what, { cause });
}

const unique = (values: string[]): string[] => [...new Set(values.filter(Boolean))].sort();
