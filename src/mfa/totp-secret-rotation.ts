import type { MfaFactorRepository } from "./factor.repository";
import type { SecretBox } from "./secret-box";
import { totpSecretContext } from "./totp";

/**
 * After a new key was put first in the key ring: re-seals every TOTP secret still sealed by an
 * older key, in batches, so the older key can then be removed. Safe to run on several processes
 * at once and to interrupt (each row is swapped only if unchanged). Returns how many it re-sealed.
 */
export async function resealTotpSecrets(
  deps: { factors: MfaFactorRepository; box: SecretBox; currentKeyId: string },
  batchSize = 500,
): Promise<number> {
  let resealed = 0;
  for (;;) {
    const batch = await deps.factors.totpSecretsNotSealedWith(deps.currentKeyId, batchSize);
    if (batch.length === 0) return resealed;
    for (const { id, sealedSecret } of batch) {
      const next = deps.box.reseal(sealedSecret, totpSecretContext(id));
      if (next && (await deps.factors.replaceTotpSecret(id, sealedSecret, next))) resealed += 1;
    }
    if (batch.length < batchSize) return resealed;
  }
}
