import type { Server } from 'node:http';
import Provider from 'oidc-provider';

/**
 * A real OpenID Connect issuer for the single sign-on tests (panva's oidc-provider, certified), in memory, with
 * its built-in development login and consent pages: any login name is accepted and becomes the account, whose
 * `email` claim is that name. Callscope signs the person in only when a staff account has that email.
 */
export const OIDC_CLIENT = { id: 'callscope-e2e', secret: 'callscope-e2e-oidc-client-secret' } as const;

export async function startOidcIssuer(port: number, callscopeUrl: string): Promise<{ issuer: string; close: () => Promise<void> }> {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: OIDC_CLIENT.id,
        client_secret: OIDC_CLIENT.secret,
        redirect_uris: [`${callscopeUrl}/api/auth/callback/oidc`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    async findAccount(_ctx, id) {
      return { accountId: id, claims: () => ({ sub: id, email: id, email_verified: true, name: id }) };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // next-auth reads the person from the ID token: put the requested claims there, not only in userinfo.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['callscope-e2e-oidc-cookie-key'] },
    // Explicit lifetimes (seconds): the defaults work but log a notice each time they are used.
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  });
  const server: Server = provider.listen(port);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return { issuer, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
