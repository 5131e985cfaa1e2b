// Datasource secrets at rest: AES-256-GCM, a fresh 96-bit IV per value, the key id stored beside
// each ciphertext so keys can rotate (old ciphertexts stay readable under COMPANION_PREVIOUS_KEYS,
// and `npm run rotate-keys` re-encrypts them). The additional data binds a ciphertext to its row and
// secret name: a ciphertext copied to another datasource does not decrypt.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** GCM's full 128-bit tag: a shorter one would be easier to forge, so none is written or accepted. */
const TAG_BYTES = 16;

export interface Envelope {
  kid: string;
  iv: string;
  tag: string;
  ct: string;
}

export interface Keyring {
  current: { id: string; key: Buffer };
  previous: ReadonlyArray<{ id: string; key: Buffer }>;
}

export class SecretBox {
  private readonly keys: Map<string, Buffer>;

  constructor(private readonly keyring: Keyring) {
    this.keys = new Map([[keyring.current.id, keyring.current.key]]);
    for (const k of keyring.previous) if (!this.keys.has(k.id)) this.keys.set(k.id, k.key);
    for (const [id, key] of this.keys) if (key.length !== 32) throw new Error(`Key ${id} is not 32 bytes`);
  }

  get currentKeyId(): string {
    return this.keyring.current.id;
  }

  /**
   * A 32-byte key for another purpose (HKDF-SHA256 from the current key, `purpose` as the info
   * label): one secret to keep, and no key used for two things. Rotating the current key changes it.
   */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.keyring.current.key, Buffer.alloc(0), purpose, 32));
  }

  encrypt(plaintext: string, aad: string): Envelope {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keyring.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { kid: this.keyring.current.id, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') };
  }

  decrypt(envelope: Envelope, aad: string): string {
    const key = this.keys.get(envelope.kid);
    if (!key) throw new Error(`No key with id ${envelope.kid} is configured`);
    const tag = Buffer.from(envelope.tag, 'base64');
    // Node would otherwise take any tag of 4 to 16 bytes and check only that many.
    if (tag.length !== TAG_BYTES) throw new Error(`The ciphertext's authentication tag is not ${TAG_BYTES} bytes`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(envelope.ct, 'base64')), decipher.final()]).toString('utf8');
  }
}

export const isEnvelope = (v: unknown): v is Envelope =>
  !!v && typeof v === 'object' && ['kid', 'iv', 'tag', 'ct'].every((k) => typeof (v as Record<string, unknown>)[k] === 'string');
