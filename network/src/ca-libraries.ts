/**
 * Fabric's CA client and its `User`, loaded on first use. The two legacy SDK packages take ~0.45 s of
 * CPU to load; every service imports this package, but only onboarding and `network:up` talk to a CA,
 * so a bridge or the escrow agent restarted after a crash should not pay for them.
 */
export async function caLibraries(): Promise<{
  FabricCAServices: typeof import('fabric-ca-client');
  User: typeof import('fabric-common').User;
}> {
  const [ca, common] = await Promise.all([import('fabric-ca-client'), import('fabric-common')]);
  return { FabricCAServices: ca.default, User: common.User };
}
