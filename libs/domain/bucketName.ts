const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IPV4_PATTERN = /^\d{1,3}(\.\d{1,3}){3}$/;

/** S3's bucket naming rules: 3-63 lower-case letters, digits, dots and hyphens, not an IP address, no `..`. */
export function isValidBucketName(name: string): boolean {
  return BUCKET_PATTERN.test(name) && !IPV4_PATTERN.test(name) && !name.includes('..');
}
