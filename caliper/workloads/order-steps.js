'use strict';

// What each benchmark flow does to an order, step by step, as Caliper requests. The contract's own
// helpers (compiled to chaincode/dist) make the receipts, so the bench signs exactly what the
// contract verifies.
const { randomBytes, randomUUID, sign, createPrivateKey } = require('node:crypto');
const { receiptBytes, settlementSplit } = require('@securepay/chaincode/dist/order');

const hex32 = () => randomBytes(32).toString('hex');

/** A Caliper request: `fn` called as `who` (one of the identities in Caliper's network config). */
const call = (contractId, who, fn, args, extra = {}) => ({
  contractId,
  contractFunction: fn,
  contractArguments: args,
  readOnly: false,
  invokerIdentity: who.name,
  invokerMspId: who.mspId,
  ...extra,
});

const approvals = ['approvePlatform', 'approveMerchant', 'approveBuyerBank', 'approveMerchantBank'];
const toDelivered = ['propose', ...approvals, 'ship', 'deliver'];

/** The steps of each flow: `prepare` runs before the round (unmeasured), `measure` is the round. */
const flows = {
  noop: { prepare: [], measure: ['noop'] },
  propose: { prepare: [], measure: ['propose'] },
  endorse: { prepare: ['propose'], measure: approvals },
  'endorse-batch': { prepare: ['propose', 'approvePlatform', 'approveMerchant'], measure: ['batchBuyerBank', 'batchMerchantBank'] },
  escrow: { prepare: ['propose', ...approvals], measure: ['ship', 'deliver', 'confirm'] },
  full: { prepare: [], measure: [...toDelivered, 'confirm'] },
  dispute: { prepare: [], measure: [...toDelivered, 'declareNonReceipt', 'depositBuyer', 'depositCourier', 'resolveForCourier'] },
  'settlement-proof': { prepare: [], measure: [...toDelivered, 'confirm', 'recordSettlement'] },
};

/**
 * Builds the Caliper request for one step of one order. `parties` is this worker's cast (from
 * caliper/.runtime/parties.json); `order` carries the id and the private terms.
 */
function requestFor(step, order, parties, contractId) {
  const { buyer, merchant, courier, admins } = parties;
  const as = (who, fn, args, extra) => call(contractId, who, fn, args, extra);
  switch (step) {
    case 'noop':
      return as(admins.platform, 'diagnostics:Noop', []);
    case 'propose':
      return as(
        buyer,
        'Propose',
        [
          JSON.stringify({
            orderId: order.orderId,
            merchant: { mspId: merchant.mspId, partyId: merchant.partyId },
            courier: { mspId: courier.mspId, partyId: courier.partyId },
          }),
        ],
        { transientMap: { terms: JSON.stringify(order.terms) } },
      );
    case 'approvePlatform':
      return as(admins.platform, 'Approve', [order.orderId]);
    case 'approveMerchant':
      return as(merchant, 'Approve', [order.orderId]);
    case 'approveBuyerBank':
      return as(admins.buyerBank, 'Approve', [order.orderId]);
    case 'approveMerchantBank':
      return as(admins.merchantBank, 'Approve', [order.orderId]);
    case 'ship':
      return as(merchant, 'Ship', [order.orderId, '']);
    case 'deliver':
      return as(courier, 'Deliver', [order.orderId, hex32()]);
    case 'confirm':
      return as(buyer, 'Confirm', [order.orderId]);
    case 'declareNonReceipt':
      return as(buyer, 'DeclareNonReceipt', [order.orderId]);
    case 'depositBuyer':
      return as(admins.buyerBank, 'RecordDeposit', [order.orderId, 'buyer', `deposit:${order.orderId}:buyer`]);
    case 'depositCourier':
      return as(admins.merchantBank, 'RecordDeposit', [order.orderId, 'courier', `deposit:${order.orderId}:courier`]);
    case 'resolveForCourier':
      return as(admins.platform, 'ResolveDispute', [order.orderId, 'courier', hex32()]);
    case 'recordSettlement':
      return as(admins.merchantBank, 'RecordSettlement', [order.orderId], {
        transientMap: { receipt: JSON.stringify(signedReceipt(order, parties)) },
      });
    default:
      throw new Error(`unknown step ${step}`);
  }
}

/** Who signs each approval: the platform, the order's merchant, or one of the two banks. */
function approverOf(step, parties) {
  const approvers = {
    approvePlatform: parties.admins.platform,
    approveMerchant: parties.merchant,
    approveBuyerBank: parties.admins.buyerBank,
    approveMerchantBank: parties.admins.merchantBank,
  };
  return approvers[step];
}

const isApproval = (step) => approvals.includes(step);

/** One `ApproveBatch` of many orders by the approver of `step` (an approval step), as a bank's bridge sends it. */
function approvalBatchFor(step, orders, parties, contractId) {
  return call(contractId, approverOf(step, parties), 'ApproveBatch', [JSON.stringify(orders.map((o) => o.orderId))]);
}

/** A batch step of the batched-endorsement round approves many orders in one transaction, as a bank's bridge does. */
function batchRequestFor(step, orders, parties, contractId) {
  return approvalBatchFor(step === 'batchBuyerBank' ? 'approveBuyerBank' : 'approveMerchantBank', orders, parties, contractId);
}

function signedReceipt(order, parties) {
  const split = settlementSplit(order.terms);
  const receipt = {
    version: 1,
    orderId: order.orderId,
    bankMspId: parties.merchant.mspId,
    currency: order.terms.currency,
    merchantWallet: order.terms.merchantWallet,
    merchantAmount: split.merchantAmount.toString(),
    commissionAmount: split.commissionAmount.toString(),
    journalPosition: 1,
    journalHash: hex32(),
    issuedAt: new Date().toISOString(),
  };
  const key = createPrivateKey(parties.ledgerKeyPem);
  return { receipt, signature: sign(null, receiptBytes(receipt), key).toString('base64') };
}

function newOrder(parties, workerIndex) {
  return {
    orderId: `b${workerIndex}-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
    terms: {
      price: String(1000 + Math.floor(Math.random() * 100000)),
      currency: 'CNY',
      commissionBps: 250,
      buyerWallet: parties.buyer.wallet,
      buyerWalletSalt: parties.buyer.walletSalt,
      merchantWallet: parties.merchant.wallet,
      merchantWalletSalt: parties.merchant.walletSalt,
      productId: 'bench',
      salt: randomBytes(16).toString('hex'),
    },
    next: 0,
  };
}

module.exports = { flows, requestFor, batchRequestFor, approvalBatchFor, isApproval, newOrder };
