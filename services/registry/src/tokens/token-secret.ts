import { createHash, randomBytes } from 'node:crypto';

export const API_TOKEN_PREFIX = 'pcl_';
export const SESSION_TOKEN_PREFIX = 'pcs_';

/** 256 random bits after a recognisable prefix (secret scanners and people can tell what leaked). */
export const newSecret = (prefix: string): string => `${prefix}${randomBytes(32).toString('base64url')}`;

/** High-entropy secrets need no slow hash: SHA-256 makes the stored value useless to a database reader. */
export const hashSecret = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

/** What lists show of a token: the prefix and the first 8 characters of its random part. */
export const displayPrefixOf = (secret: string): string => secret.slice(0, API_TOKEN_PREFIX.length + 8);
