export { SecurePayClient, ApiCallFailed, type ApiResponse } from './api-client';
export { ApiError } from './api-error';
export { loadApiConfig, type ApiConfig } from './config';
export { Keystore } from './keystore';
export type { ActionResult } from './order-desk';
export type { OrderView } from './order-view';
export type { Statement, StatementRow } from './statement';
export { startPlatformApi, type PlatformApiOptions, type RunningPlatformApi } from './platform-api';
export type { Caller, PlatformUser, UserRole } from './user-registry';
