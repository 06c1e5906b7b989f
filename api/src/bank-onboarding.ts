import { customerRegisteredSchema, type CustomerRequest } from '@securepay/client';
import { enroll, enrollWithCsr, type OrgEndpoints, type SigningIdentity } from '@securepay/network';
import { ApiError } from './api-error';

/** One bank as the platform reaches it for onboarding: its public endpoints and its onboarding service. */
export interface BankDesk {
  endpoints: OrgEndpoints;
  onboardingUrl: string;
  /** The platform's token at this bank's onboarding. */
  token: string;
}

/**
 * The platform's side of onboarding: it asks the user's bank to register the user, then enrolls with
 * the one-time secret the bank hands back, so the key pair is made here (and sealed in the keystore)
 * and the bank never sees it. The platform holds no bank's registrar, admin key or CA secret.
 */
export class BankOnboarding {
  constructor(private readonly banks: Map<string, BankDesk>) {}

  get bankIds(): string[] {
    return [...this.banks.keys()];
  }

  has(bank: string): boolean {
    return this.banks.has(bank);
  }

  /** Registers the user at its bank and enrolls it here: the key is made here (custodial users). */
  async register(bank: string, request: CustomerRequest): Promise<SigningIdentity> {
    const { desk, secret } = await this.secretFor(bank, request);
    return enroll(desk.endpoints, request.enrollmentId, secret);
  }

  /** Registers the user at its bank and enrolls the user's own CSR: the key never reaches the platform. */
  async registerWithCsr(bank: string, request: CustomerRequest, csrPem: string): Promise<string> {
    const { desk, secret } = await this.secretFor(bank, request);
    try {
      return await enrollWithCsr(desk.endpoints, request.enrollmentId, secret, csrPem);
    } catch (error) {
      throw new ApiError(400, 'BAD_CSR', `${bank}'s CA refused the certificate request: ${(error as Error).message}`);
    }
  }

  private async secretFor(bank: string, request: CustomerRequest): Promise<{ desk: BankDesk; secret: string }> {
    const desk = this.banks.get(bank);
    if (!desk) throw new ApiError(400, 'UNKNOWN_BANK', `bank: no bank ${bank} onboards customers here (banks: ${this.bankIds.join(', ')})`);
    let response: Response;
    try {
      response = await fetch(`${desk.onboardingUrl}/customers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${desk.token}` },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new ApiError(502, 'BANK_UNAVAILABLE', `${bank}'s customer onboarding did not answer: ${(error as Error).message}`);
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.status !== 201) {
      const said = (body as { message?: unknown } | undefined)?.message;
      throw new ApiError(
        502,
        'BANK_REFUSED',
        `${bank} refused to register the customer (${response.status}): ${String(said ?? 'no reason given')}`,
      );
    }
    const registered = customerRegisteredSchema.safeParse(body);
    if (!registered.success || registered.data.enrollmentId !== request.enrollmentId)
      throw new ApiError(502, 'BANK_REFUSED', `${bank}'s customer onboarding answered with something other than an enrollment secret`);
    return { desk, secret: registered.data.enrollmentSecret };
  }
}
