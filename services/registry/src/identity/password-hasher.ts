import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';

/** argon2id with the library's defaults (m=19 MiB, t=2, p=1: the OWASP minimum); hashes are self-describing. */
@Injectable()
export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return hash(password, { algorithm: 2 /* Argon2id */ });
  }

  /** Verifies against a hash, or against a throwaway one when there is none, so timing does not tell users apart. */
  async verify(stored: string | null | undefined, password: string): Promise<boolean> {
    const target = stored ?? (await (this.dummy ??= this.hash('portcullis-no-such-user')));
    const ok = await verify(target, password).catch(() => false);
    return ok && Boolean(stored);
  }
}
