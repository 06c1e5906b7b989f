import { BlockList, isIP } from 'node:net';
import type { RequestHandler } from 'express';
import { ApiError } from './api-error';

function blockListOf(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address ?? '');
    if (family === 0) throw new Error(`"${entry}" is not an IP address or CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, Number(prefix), type);
  }
  return list;
}

/** `::ffff:127.0.0.1` is an IPv4 client on a dual-stack socket: match it against IPv4 rules. */
function normalise(ip: string): { address: string; type: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return { address: mapped[1]!, type: 'ipv4' };
  return { address: ip, type: isIP(ip) === 6 ? 'ipv6' : 'ipv4' };
}

/** Refuses clients on the deny list, and — when an allow list is set — everyone not on it. */
export function ipFilter(allow: string[], deny: string[]): RequestHandler {
  const allowed = blockListOf(allow);
  const denied = blockListOf(deny);
  return (req, _res, next) => {
    const { address, type } = normalise(req.ip ?? '');
    if (denied.check(address, type) || (allow.length > 0 && !allowed.check(address, type))) {
      next(new ApiError(403, 'ADDRESS_REFUSED', 'requests from this address are not accepted'));
      return;
    }
    next();
  };
}
