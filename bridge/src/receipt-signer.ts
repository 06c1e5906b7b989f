import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { receiptBytes, type SettlementReceipt, type SignedReceipt } from '@securepay/client';
import type { EscrowPosting } from '@securepay/ledger';

/**
 * The bank's ledger key: signs settlement receipts, which the contract verifies with the public half
 * registered on-chain. Made on first use and kept readable by its owner only.
 */
export class ReceiptSigner {
  private constructor(
    readonly bank: string,
    private readonly privateKey: KeyObject,
  ) {}

  static load(bank: string, keyDir: string): ReceiptSigner {
    const file = path.join(keyDir, `${bank}-ledger-key.pem`);
    if (!existsSync(file)) {
      mkdirSync(keyDir, { recursive: true, mode: 0o700 });
      const { privateKey } = generateKeyPairSync('ed25519');
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    }
    return new ReceiptSigner(bank, createPrivateKey(readFileSync(file)));
  }

  get publicKeyPem(): string {
    return createPublicKey(this.privateKey).export({ type: 'spki', format: 'pem' }).toString();
  }

  receiptFor(posting: EscrowPosting, currency: string): SignedReceipt {
    const receipt: SettlementReceipt = {
      version: 1,
      orderId: posting.order,
      bankMspId: this.bank,
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
