import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { receiptBytes, type SettlementReceipt, type SignedReceipt } from '@securepay/client';
import type { EscrowPosting } from '@securepay/ledger';

/**
 * The CBDC ledger's receipt key, held by the central bank's escrow agent: it signs the receipt of
 * every settlement the agent pays, and the merchant's bank records that receipt on-chain, where the
 * contract verifies it with the public half the bank registered. Made on first use, owner-readable only.
 */
export class ReceiptSigner {
  private constructor(private readonly privateKey: KeyObject) {}

  static load(keyDir: string): ReceiptSigner {
    const file = path.join(keyDir, 'ledger-receipt-key.pem');
    if (!existsSync(file)) {
      mkdirSync(keyDir, { recursive: true, mode: 0o700 });
      const { privateKey } = generateKeyPairSync('ed25519');
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    }
    return new ReceiptSigner(createPrivateKey(readFileSync(file)));
  }

  get publicKeyPem(): string {
    return createPublicKey(this.privateKey).export({ type: 'spki', format: 'pem' }).toString();
  }

  /** The receipt of a posting: the merchant's bank records it, so it names that bank. */
  receiptFor(posting: EscrowPosting, merchantBank: string, currency: string): SignedReceipt {
    const receipt: SettlementReceipt = {
      version: 1,
      orderId: posting.order,
      bankMspId: merchantBank,
      currency,
      merchantWallet: posting.merchantWallet,
      merchantAmount: posting.merchantAmount,
      commissionAmount: posting.commissionAmount,
      journalPosition: posting.journalPosition,
      journalHash: posting.journalHash,
      // The receipt describes the journal entry; its time is not part of what must match.
      issuedAt: new Date().toISOString(),
    };
    return { receipt, signature: sign(null, receiptBytes(receipt), this.privateKey).toString('base64') };
  }
}
