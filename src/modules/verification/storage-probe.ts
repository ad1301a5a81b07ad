import type { OutboundGuard } from '../outbound/outbound-guard.ts';
import type { LocationType } from '../location/location.rules.ts';

/** What one verification needs to reach a bucket: the location, the opened credentials of the version verified, the guard. */
export interface ProbeTarget {
  locationType: LocationType;
  authMethod: string;
  /** Field name (`access_key_id`, `sas_url` …) → plaintext value; lives only for the verification. */
  credentials: ReadonlyMap<string, string>;
  bucketName: string;
  region: string | null;
  endpointUrl: string | null;
  outbound: OutboundGuard;
  /** Aborts every request when the verification's time budget is spent. */
  signal: AbortSignal;
}

/**
 * The four operations of a verification, through one provider's official SDK. A probe is made for
 * one verification (its client and agent are its own) and destroyed after it.
 */
export interface StorageProbe {
  /** Lists (at most one) object under `prefix`. */
  list(prefix: string): Promise<void>;
  write(key: string, body: Buffer): Promise<void>;
  read(key: string): Promise<Buffer>;
  remove(key: string): Promise<void>;
  destroy(): void;
}

/** A credential field the auth method requires (checked when the secret was written). */
export function credential(target: ProbeTarget, field: string): string {
  const value = target.credentials.get(field);
  if (value === undefined) throw new TypeError(`The credentials lack ${field}`);
  return value;
}
