export { ChainSubmitter, type Committed, type RetryLog, type SubmitOptions } from './chain-submitter';
export { ContractRefusal } from './errors';
export { orderChangeSchema, ordersChangedSchema, type OrderChange, type OrdersChanged } from './orders-changed';
