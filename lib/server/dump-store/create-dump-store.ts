import path from 'node:path';
import type { Env } from '@/lib/server/env';
import type { DumpCompressor, DumpStore } from './dump-store';
import { LocalDumpStore } from './local-dump-store';

/**
 * The dump store this instance uses: an S3-compatible bucket when S3_BUCKET is set (AWS, MinIO, R2, Ceph…: set
 * S3_ENDPOINT for anything but AWS), else `<data dir>/dumps`. Credentials: S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY,
 * else the AWS SDK's usual chain (AWS_* variables, instance roles…). Live dumps are appended locally either way.
 * `compress`: how finished dumps are obfuscated and gzipped (the server passes a worker thread's).
 */
export async function createDumpStore(env: Env, dataDirectory: string, compress?: DumpCompressor): Promise<DumpStore> {
  const root = path.join(dataDirectory, 'dumps');
  if (!env.S3_BUCKET) return new LocalDumpStore(root, compress).init();
  // Loaded only when configured: the AWS SDK is large.
  const { S3DumpStore } = await import('./s3-dump-store');
  const credentials =
    env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
      ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
      : undefined;
  return new S3DumpStore({
    bucket: env.S3_BUCKET,
    prefix: env.S3_PREFIX,
    workDir: path.join(root, 'work'),
    compress,
    client: {
      region: env.S3_REGION,
      endpoint: env.S3_ENDPOINT,
      // Self-hosted stores (MinIO…) usually serve buckets as paths, not subdomains.
      forcePathStyle: env.S3_FORCE_PATH_STYLE ?? Boolean(env.S3_ENDPOINT),
      credentials,
      // Checksums only where S3 requires them: stores other than AWS often reject the SDK's default
      // aws-chunked uploads with trailing checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    },
  }).init();
}
