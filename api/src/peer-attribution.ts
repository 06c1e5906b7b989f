import * as grpc from '@grpc/grpc-js';
import type { GatewayError } from '@hyperledger/fabric-gateway';

/** The metadata key every call's status carries on the API's own channels: whose peer it went to. */
const peerKey = 'securepay-gateway-peer';

/**
 * Marks the status of every call on one org's channel with that org's MSP id. A failure to reach the
 * peer at all is reported by gRPC with no word of where it went (`14 UNAVAILABLE: read ECONNRESET`);
 * with the mark, the error itself says whose peer did not answer.
 */
export function attributedTo(mspId: string): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        next(metadata, {
          onReceiveStatus(status, nextStatus) {
            status.metadata.set(peerKey, mspId);
            nextStatus(status);
          },
        });
      },
    });
}

/** The org whose peer a gateway call went to, as `attributedTo` marked it; undefined for a call on another channel. */
export function gatewayPeerOf(error: GatewayError): string | undefined {
  const metadata = (error.cause as Partial<grpc.ServiceError> | undefined)?.metadata;
  const value = typeof metadata?.get === 'function' ? metadata.get(peerKey)[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}
