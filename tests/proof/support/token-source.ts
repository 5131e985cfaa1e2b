// Tokens for long property runs: one real Forge token per tenant, minted again before it gets old
// (a Forge Invocation Token lives 25 s), so thousands of requests do not pay an RS256 signature each.
import type { ForgeTokenIssuer, TokenClaims } from '../../helpers/forge-tokens.js';

const REMINT_AFTER_MS = 10_000;

export class TokenSource {
  private token: string | undefined;
  private mintedAt = 0;

  constructor(
    private readonly issuer: ForgeTokenIssuer,
    readonly claims: TokenClaims,
  ) {}

  async get(): Promise<string> {
    if (!this.token || Date.now() - this.mintedAt > REMINT_AFTER_MS) {
      this.token = await this.issuer.mint(this.claims);
      this.mintedAt = Date.now();
    }
    return this.token;
  }
}
